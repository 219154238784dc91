"""Statistics over seeds, with no notion of runs: the exact interval of a median, censored bounds, spreads, change points, performance profiles.

median (the interval every verdict uses), estimate (a median with its interval for tables and plots),
bounds (censored ratios and differences; an interval against a threshold), spread, changepoint,
profiles (AlgoPerf scoring), bootstrap (the old interval, kept to show its undercoverage).
"""
