#!/usr/bin/env python3
"""Run a command N times; print JSON with median wall ms and median peak RSS (KiB) of the child.

Peak RSS comes from getrusage(RUSAGE_CHILDREN).ru_maxrss measured in a fresh python child per
run, so each number is exactly that run's command (no /usr/bin/time needed on a fresh machine).
usage: measure.py RUNS WARMUPS -- CMD ARGS...
"""
import json, os, statistics, subprocess, sys, time

runs, warmups = int(sys.argv[1]), int(sys.argv[2])
cmd = sys.argv[sys.argv.index('--') + 1:]
probe = (
    "import resource,subprocess,sys,time\n"
    "t=time.perf_counter(); r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)\n"
    "w=(time.perf_counter()-t)*1000\n"
    "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)\n"
)
walls, rsss, codes = [], [], set()
for i in range(warmups + runs):
    out = subprocess.run([sys.executable, '-c', probe, *cmd], capture_output=True, text=True, check=True).stdout.split()
    if i >= warmups:
        walls.append(float(out[0])); rsss.append(int(out[1])); codes.add(int(out[2]))
print(json.dumps({"wallMs": statistics.median(walls), "peakRssKiB": statistics.median(rsss), "exitCodes": sorted(codes), "runs": runs}))
