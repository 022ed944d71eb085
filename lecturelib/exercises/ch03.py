"""Exercises of chapter 3, vanishing and exploding gradients.

In the notebook: ``from lecturelib.exercises import ch03`` then, e.g.,
``ch03.clip.check(my_clip_by_norm)``.
"""
from __future__ import annotations

import math

import numpy as np

from ..gradients import clip_by_norm, talathi_vartak_init
from . import Exercise, call, diagnose, expect_array, expect_number

# ------------------------------------------------------------ 1. λ^Δt

POWER = dict(lam=0.95, dt=60)


def _judge_power(answer):
    lam, dt = POWER["lam"], POWER["dt"]
    value = expect_number(answer)
    right = lam ** dt
    diagnose(value, right, {
        f"that is λ·Δt; the gradient is multiplied by λ once per step, so it is λ to the power Δt "
        f"(`{lam} ** {dt}`).": lam * dt,
        f"that is λ^{dt - 1}: one multiplication too few.": lam ** (dt - 1),
        f"that is λ^{dt + 1}: one multiplication too many.": lam ** (dt + 1),
        "that is the straight-line guess 1 - (1 - λ)Δt; the decay is geometric, not linear.":
            1 - (1 - lam) * dt,
        "that is exp(-(1 - λ)Δt), an approximation; compute λ^Δt itself.": math.exp(-(1 - lam) * dt),
        f"that is the factor of an eigenvalue 1/λ = {1 / lam:.4g}, which grows; λ = {lam} < 1 shrinks the gradient.":
            lam ** -dt,
    }, rtol=5e-3, atol=0, generic=f"not λ^Δt for λ = {lam}, Δt = {dt}.")
    return f"{lam}^{dt} = {right:.4g}: after {dt} steps only {100 * right:.1f}% of that component is left."


lambda_power = Exercise(
    "ex-vanish-power", "shrinking along an eigenvector", handle="ch03.lambda_power", judge=_judge_power,
    hints=["Each step back in time multiplies the component along an eigenvector by its eigenvalue λ.",
           "In Python, λ to the power Δt is `lam ** dt`."],
    solution="""
    answer = 0.95 ** 60
    """,
)


# ------------------------------------------------------------ 2. clipping

def _clip_cases():
    rng = np.random.default_rng(7)
    yield rng.normal(size=5) * 10, 1.0       # large: clipped
    yield rng.normal(size=3) * 0.1, 1.0      # small: unchanged
    g = np.array([3.0, -4.0, 0.5])
    yield g, 2.0                             # entries of both signs, some above c
    yield np.array([0.6, 0.8]), 1.0          # ||g|| = c exactly: the rule rescales (by 1)


def _judge_clip(fn):
    for g, c in _clip_cases():
        got = expect_array(call(fn, g, c), g.shape, "my_clip_by_norm")
        n = np.linalg.norm(g)
        diagnose(got, clip_by_norm(g, c), {
            "that clips each entry to [-c, c]; the rule rescales the whole vector, keeping its direction.":
                np.clip(g, -c, c),
            "you rescaled although ||g|| < c; small gradients must pass unchanged.": c * g / n,
            "the factor c is missing: the clipped gradient has norm c, g · c/||g||.":
                g / n if n >= c else g,
            "you divided by ||g||² (the squared norm); divide by ||g||.": c * g / n ** 2 if n >= c else g,
            "a gradient with ||g|| >= c came back unchanged: clip when ||g|| >= c (is the test the wrong "
            "way round?).": c * g / n if n < c else g,
        }, rtol=1e-9, atol=1e-12, generic="not g · c/||g|| (when ||g|| >= c). Print np.linalg.norm of your "
                                          "result: it should be min(||g||, c).")
    return "g ← c·g/||g|| when ||g|| ≥ c, the same rule as torch.nn.utils.clip_grad_norm_."


clip = Exercise(
    "ex-vanish-clip", "clipping by norm", handle="ch03.clip", judge=_judge_clip,
    hints=["Compute the Euclidean norm of the whole vector with `np.linalg.norm(g)`.",
           "If that norm is at least c, multiply g by c / norm; otherwise return g as it is."],
    solution="""
    def my_clip_by_norm(g, c):
        norm = np.linalg.norm(g)
        if norm >= c:
            return g * (c / norm)
        return g
    """,
)


# ------------------------------------------------- 3. Talathi-Vartak init

def _judge_talathi(fn):
    for seed, n in ((11, 5), (12, 8)):
        R = np.random.default_rng(seed).normal(size=(n, n))
        got = expect_array(call(fn, R), (n, n), "talathi")
        A = R.T @ R / n
        I = np.eye(n)
        lam = lambda M: np.linalg.eigvalsh((M + M.T) / 2)[-1]  # noqa: E731
        right = talathi_vartak_init(n, seed)        # the library draws the same R from this seed
        diagnose(got, right, {
            "that is the formula as the notes print it, A/λ_max + I: every eigenvalue is then at least 1. "
            "Divide the whole of A + I by λ_max.": A / lam(A + I) + I,
            "the identity is missing: W = (A + I)/λ_max(A + I).": A / lam(A + I),
            "λ_max must be the largest eigenvalue of A + I, not of A.": (A + I) / lam(A),
            "you computed R R^T; the statement asks for A = R^T R / N (same eigenvalues, a different matrix).":
                (R @ R.T / n + I) / lam(R @ R.T / n + I),
            "the 1/N is missing from A = R^T R / N.": (R.T @ R + I) / lam(R.T @ R + I),
            "you divided by the largest absolute entry, not the largest eigenvalue.":
                (A + I) / np.max(np.abs(A + I)),
        }, rtol=1e-8, atol=1e-10, generic="not (A + I)/λ_max(A + I) with A = R^T R / N. Check that the largest "
                                          "eigenvalue of your matrix is exactly 1 (np.linalg.eigvalsh).")
    return "W_rec = (A + I)/λ_max(A + I): largest eigenvalue 1, the others in [1/λ_max, 1)."


talathi = Exercise(
    "ex-vanish-talathi", "the Talathi-Vartak initialization", handle="ch03.talathi", judge=_judge_talathi,
    hints=["A = R.T @ R / N with N = R.shape[0]; A is symmetric, so `np.linalg.eigvalsh` gives its "
           "eigenvalues in increasing order.",
           "M = A + np.eye(N); return M / np.linalg.eigvalsh(M)[-1]."],
    solution="""
    def talathi(R):
        N = R.shape[0]
        M = R.T @ R / N + np.eye(N)
        return M / np.linalg.eigvalsh(M)[-1]
    """,
)


# ---------------------------------------------------- 4. one term of Ω

OMEGA = dict(W_rec=np.array([[2.0, 0.0], [1.0, 0.5]]), delta=np.array([1.0, -2.0]))


def _judge_omega(answer):
    W, d = OMEGA["W_rec"], OMEGA["delta"]
    value = expect_number(answer)
    r = np.linalg.norm(W.T @ d) / np.linalg.norm(d)
    r_no_t = np.linalg.norm(W @ d) / np.linalg.norm(d)
    diagnose(value, (r - 1) ** 2, {
        "the square is missing: the term is (ratio - 1)².": r - 1,
        "that is the ratio itself; the term is (ratio - 1)².": r,
        "the '- 1' is missing: the term measures how far the ratio is from 1.": r ** 2,
        "you used W_rec instead of its transpose: the gradient travels backward, (∂h_{t+1}/∂h_t)^T δ = "
        "W_rec^T δ here.": (r_no_t - 1) ** 2,
        "the denominator ||δ|| is missing: Ω compares the back-propagated norm with the incoming one.":
            (np.linalg.norm(W.T @ d) - 1) ** 2,
    }, rtol=5e-3, atol=0, generic="not (||W_rec^T δ|| / ||δ|| - 1)². Compute the numerator and the "
                                  "denominator separately and print them.")
    effect = "shrinks" if r < 1 else "amplifies"
    return f"ratio {r:.4f}, term (ratio − 1)² = {(r - 1) ** 2:.4f}: this step {effect} the gradient."


omega_term = Exercise(
    "ex-vanish-omega", "one term of Pascanu's Ω", handle="ch03.omega_term", judge=_judge_omega,
    hints=["With every relu unit active and no other nonlinearity, ∂h_{t+1}/∂h_t = W_rec, so the "
           "back-propagated vector is W_rec.T @ delta.",
           "ratio = np.linalg.norm(W_rec.T @ delta) / np.linalg.norm(delta); the term is (ratio - 1) ** 2."],
    solution="""
    W_rec = np.array([[2.0, 0.0], [1.0, 0.5]])
    delta = np.array([1.0, -2.0])
    ratio = np.linalg.norm(W_rec.T @ delta) / np.linalg.norm(delta)
    answer = (ratio - 1) ** 2
    """,
)

ALL = [lambda_power, clip, talathi, omega_term]


# ------------------------------------------------------------ discussion: what truncation cannot learn

from . import Wrong  # noqa: E402

TRUNCATION = dict(p=8)


def _judge_truncation(answer):
    p = TRUNCATION["p"]
    value = expect_number(answer)
    if value != int(value):
        raise Wrong("a delay is a whole number of steps.")
    value = int(value)
    if value == p:
        raise Wrong(f"with delay {p} the input enters at step s - {p} and the loss L_s must reach it: that is "
                    f"{p + 1} steps counting step s itself, one more than p = {p} keeps.")
    if value == p + 1:
        raise Wrong("two too many: count the steps the gradient of L_s must cross, step s itself included.")
    if value == p - 2:
        raise Wrong("one too few: the terms kept have s - t < p, so s - t = p - 1 is still kept.")
    if value != p - 1:
        raise Wrong(f"the kept terms C_(s,t) have s - t < p = {p}; which delays d can such a term connect?")
    return (f"delay {p - 1}: the input x_(s-d) acts at step t = s - d, and the term C_(s,t) with s - t = d must "
            f"survive, so d <= p - 1. Longer dependencies get no gradient at all, however long one trains.")


truncation_limit = Exercise(
    "ex-vanish-truncation", "what truncation cannot learn", handle="ch03.truncation_limit", judge=_judge_truncation,
    hints=["Truncation keeps the terms C_(s,t) with s - t < p. An echo with delay d pairs the input of step "
           "s - d with the target of step s.",
           "Chapter 3's runs: delay 6 needed p = 7."],
    solution="""
    p = 8
    answer = p - 1   # terms with s - t < p survive; the echo needs s - t = d
    """,
)
ALL.append(truncation_limit)
