"""The breadth-first search in C over a spec compiled to C (compile/native's mc_model.h),
on threads: search.c does the search, driver.py runs it and returns the Python explorer's
CheckResult."""
