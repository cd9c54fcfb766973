from pkg.marks import fmt_params as reexported_params
