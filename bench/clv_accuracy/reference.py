#!/usr/bin/env python3
"""mpmath reference for rfm.bgnbd_expected_purchases over the clv_sweep grid.

E = C/(a-1) * [1 - ((al+T)/(al+T+t))^(r+x) * 2F1(r+x, b+x; C; z)]
      / [1 + [x>0] a/(b+x-1) ((al+T)/(al+t_x))^(r+x)],  C = a+b+x-1,  z = t/(al+T+t)
(Fader-Hardie-Lee 2005 eq. 10).  2F1 is summed as the Gauss series in exact
fixed point (Python ints scaled by 2^P, P = dps*log2(10) + 64 bits; the ratio
of successive terms is formed exactly from the double inputs as rationals), until
a geometric bound on the tail is below 10^-(dps+5) of the sum.  Everything
else is mpmath at mp.dps = dps.

usage: reference.py IN.csv OUT.csv [dps] [--only KEYFILE] [--limit N] [--procs N] [--resume]
"""
import csv, math, sys, time
from fractions import Fraction as Fr
import mpmath
from mpmath import mp, mpf

class NotConverged(Exception):
    pass

def series_fixed(A, B, C, z, P, tail_bits, maxterms, minterms=0):
    """sum of the Gauss series in fixed point 2^-P (truncation toward zero);
    returns (S, n, maxbits): S = 2F1 * 2^P, maxbits = largest |term| seen."""
    pA, qA = A.numerator, A.denominator
    pB, qB = B.numerator, B.denominator
    pC, qC = C.numerator, C.denominator
    pz, qz = z.numerator, z.denominator
    KN = qC * pz
    KD = qA * qB * qz
    zf = float(z)
    a1, b1, c1 = pA, pB, pC
    T = 1 << P
    S = T
    maxbits = P + 1
    n = 0
    while True:
        num = a1 * b1 * KN
        den = c1 * (n + 1) * KD
        q = abs(T) * abs(num) // abs(den)
        T = q if (T >= 0) == ((num >= 0) == (den >= 0)) else -q
        S += T
        n += 1
        a1 += qA; b1 += qB; c1 += qC
        if T == 0:
            break
        if ((n & 31) == 0 or n < 32) and n > minterms:
            tb = abs(T).bit_length()
            if tb > maxbits:
                maxbits = tb
            rho = max(abs(num / den), zf)
            if rho < 1:
                # tail <= |T| rho/(1-rho) (ratios stay below rho from here on)
                lhs = tb + math.log2(rho / (1 - rho)) + tail_bits
                if lhs < abs(S).bit_length() - 1:
                    break
        elif (n & 31) == 0 or n < 32:
            tb = abs(T).bit_length()
            if tb > maxbits:
                maxbits = tb
        if n > maxterms:
            raise NotConverged()
    return S, n, maxbits

def series(A, B, C, z, P, tail_bits, maxterms=10**9, minterms=0):
    target_bits = P
    """as series_fixed, but P is raised until cancellation between terms
    (largest term over the sum) is covered: returns (S, P, n, bits lost)"""
    while True:
        S, n, maxbits = series_fixed(A, B, C, z, P, tail_bits, maxterms, minterms)
        # rounding error of the sum ~ n largest-term units of 2^-P: keep
        # P - (bits lost to cancellation) - log2(n) at the target or above
        lost = max(maxbits - max(abs(S).bit_length(), 1), 0)
        need = target_bits + lost + n.bit_length() + 16
        if P >= need:
            return S, P, n, lost
        P = need

def reference(r, al, a, b, x, tx, T, t, dps):
    R, AL, Aa, Bb, X, TX, TT, TH = (Fr(v) for v in (r, al, a, b, x, tx, T, t))
    A = R + X
    B = Bb + X
    C = Aa + Bb + X - 1
    z = TH / (AL + TT + TH)
    P = int(dps * 3.3219281) + 64
    # z near 1 and r + x - a >= 4: Euler's transformation,
    # 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z), whose terms fall
    # like n^(a-2-r-x) z^n instead of n^(r+x-a) z^n (G = (1-z)^(a-1) F').
    euler = z > Fr(1, 2) and A - Aa >= 4
    if euler:
        S, P, nterms, lost = series(C - A, C - B, C, z, P, int((dps + 5) * 3.3219281),
                                    maxterms=int(abs(C - A)) + 10**8, minterms=int(abs(C - A)) + 2)
        gexp = C - B
    else:
        S, P, nterms, lost = series(A, B, C, z, P, int((dps + 5) * 3.3219281))
        gexp = A
    with mp.workdps(dps):
        def q(f):  # exact rational -> mpf (one rounding)
            return mpf(f.numerator) / mpf(f.denominator)
        F = mpmath.ldexp(mpf(S), -P)
        G = mpmath.power(q((AL + TT) / (AL + TT + TH)), q(gexp)) * F
        num = q(C) / q(Aa - 1) * (1 - G)
        if x > 0:
            den = 1 + q(Aa) / q(Bb + X - 1) * mpmath.power(q((AL + TT) / (AL + TX)), q(A))
        else:
            den = mpf(1)
        E = num / den
        return mpmath.nstr(E, dps), ("E" if euler else "") + str(nterms), mpmath.nstr(1 - G, 10)

KEYS = ["r", "alpha", "a", "b", "x", "t_x", "tenure", "t"]

def work(args):
    row, dps = args
    v = [float(row[k]) for k in KEYS]
    t0 = time.time()
    E, n, omg = reference(*v, dps)
    return row, E, n, omg, time.time() - t0

if __name__ == "__main__":
    import multiprocessing as mpc
    inp, out = sys.argv[1], sys.argv[2]
    dps = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    rows = list(csv.DictReader(open(inp)))
    if "--only" in sys.argv:
        keep = set(l.strip() for l in open(sys.argv[sys.argv.index("--only") + 1]) if l.strip())
        rows = [rw for rw in rows if ",".join(rw[k] for k in KEYS) in keep]
    if "--limit" in sys.argv:
        rows = rows[:int(sys.argv[sys.argv.index("--limit") + 1])]
    # expensive first: z close to 1 (small alpha+T, long t)
    def cost(rw):
        al, T, t = float(rw["alpha"]), float(rw["tenure"]), float(rw["t"])
        return t / (al + T + t)
    rows.sort(key=cost, reverse=True)
    nproc = int(sys.argv[sys.argv.index("--procs") + 1]) if "--procs" in sys.argv else 2
    t0 = time.time()
    import os
    resume = "--resume" in sys.argv and os.path.exists(out)
    if resume:
        done = {tuple(rw[k] for k in KEYS) for rw in csv.DictReader(open(out))}
        rows = [rw for rw in rows if tuple(rw[k] for k in KEYS) not in done]
    with mpc.Pool(nproc) as pool, open(out, "a" if resume else "w", newline="") as f:
        w = csv.writer(f)
        if not resume:
            w.writerow(KEYS + ["mpmath", "nterms", "one_minus_G", "seconds"])
        for i, (row, E, n, omg, sec) in enumerate(pool.imap_unordered(work, [(rw, dps) for rw in rows], chunksize=1)):
            w.writerow([row[k] for k in KEYS] + [E, n, omg, "%.3f" % sec])
            f.flush()
            if sec > 20:
                print("slow point %s: %s terms %.1fs" % (",".join(row[k] for k in KEYS), n, sec), file=sys.stderr, flush=True)
    print("done %d points in %.1fs" % (len(rows), time.time() - t0), file=sys.stderr)
