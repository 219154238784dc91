"""Reading results back: the report (build), its plots, the epochs x time decomposition, comparisons, history across commits,
and the caches that make a report instant (plot_cache, memo)."""
