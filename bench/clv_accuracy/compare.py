#!/usr/bin/env python3
"""compare rfm values (rfm_values.csv) with an mpmath reference CSV.
usage: compare.py rfm_values.csv reference.csv [out.csv]"""
import csv, sys
from mpmath import mp, mpf
mp.dps = 50
KEYS = ["r", "alpha", "a", "b", "x", "t_x", "tenure", "t"]
rfm = {tuple(r[k] for k in KEYS): r for r in csv.DictReader(open(sys.argv[1]))}
ref = {tuple(r[k] for k in KEYS): r for r in csv.DictReader(open(sys.argv[2]))}
errs = [k for k, r in rfm.items() if r["sqlstate"]]
rows = []
for k, rr in rfm.items():
    if rr["sqlstate"] or k not in ref:
        continue
    v = mpf(rr["expected"]); m = mpf(ref[k]["mpmath"])
    ab = abs(v - m); rel = ab / abs(m)
    r_, al, a, b, x = (float(s) for s in k[:5])
    mag = abs(a + b + x - 1) / abs(a - 1)
    rows.append((float(rel), float(ab), k, rr["expected"], ref[k]["mpmath"], mag))
print("points compared:", len(rows), " missing reference:", sum(1 for k, r in rfm.items() if not r["sqlstate"] and k not in ref))
print("errors:", len(errs), [(k, rfm[k]["sqlstate"], rfm[k]["message"]) for k in errs])
DBL_MIN = mpf("2.2250738585072014e-308")
under = [r for r in rows if abs(mpf(r[4])) < DBL_MIN]
print("true value below DBL_MIN (2.2e-308): %d points; rfm values there: %s; largest true value there: %s"
      % (len(under), sorted(set(r[3] for r in under)), max((mpf(r[4]) for r in under), default=None)))
print("within 1e-9 relative (all points):", sum(1 for r in rows if r[0] <= 1e-9))
rows_all = rows
rows = [r for r in rows if abs(mpf(r[4])) >= DBL_MIN]
print("--- the %d points with a true value in double's normal range:" % len(rows))
print("within 1e-9 relative:", sum(1 for r in rows if r[0] <= 1e-9))
for th in (1e-15, 1e-12, 1e-10, 1e-8, 1e-7, 5e-7):
    print("  within %g relative: %d" % (th, sum(1 for r in rows if r[0] <= th)))
rows.sort(key=lambda r: -r[0])
print("max relative error: %.4g at %s" % (rows[0][0], rows[0][2]))
bad = [r for r in rows if r[0] > 5e-7 and r[1] > 1e-9]
print("rel > 5e-7 AND abs > 1e-9 (all points):", len([r for r in rows_all if r[0] > 5e-7 and r[1] > 1e-9]), " (normal range):", len(bad))
for r in bad:
    print("   ", r)
print("worst 10 by relative error (rel, abs, (r,alpha,a,b,x,t_x,T,t), rfm, mpmath, c/|a-1|):")
for r in rows[:10]:
    print("   %.4g %.4g %s rfm=%s mpmath=%s c/|a-1|=%.4g" % (r[0], r[1], ",".join(r[2]), r[3], r[4][:24] + ("e" + r[4].split("e")[1] if "e" in r[4] else ""), r[5]))
if len(sys.argv) > 3:
    with open(sys.argv[3], "w", newline="") as f:
        w = csv.writer(f); w.writerow(KEYS + ["rfm", "mpmath", "rel_err", "abs_err", "c_over_abs_a_minus_1"])
        for r in sorted(rows_all, key=lambda r: -r[0]):
            w.writerow(list(r[2]) + [r[3], r[4], "%.6g" % r[0], "%.6g" % r[1], "%.6g" % r[5]])
