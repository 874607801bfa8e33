"""Tests for kata 78: returns-to-go and the REINFORCE loss against plain loops in float64
(value and autograd gradient), the estimator's mean against the exact policy gradient,
the bandit's noise against its seeded generator, and training against a reference loop
and against the bandit itself."""

import math

import pytest
import torch

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

# The README's bandit: five arms, the best 0.3 above the next, unit noise. Each seed
# shuffles the arms, so the best arm is not always at the same index.
ARM_MEANS = (0.1, 0.3, 0.5, 0.8, 0.4)


# ----------------------------------------------------------------------------- references


def ref_returns(rewards: torch.Tensor, gamma: float) -> torch.Tensor:
    """G_t = sum_{k >= t} gamma^(k - t) r_k in Python floats: the double sum of the
    definition for short episodes, the backward recursion for long ones (T > 64)."""
    flat = rewards.detach().double().cpu().reshape(-1, rewards.shape[-1]).tolist()
    out = []
    for row in flat:
        T = len(row)
        if T <= 64:
            out.append([sum(gamma ** (k - t) * row[k] for k in range(t, T)) for t in range(T)])
        else:
            returns, running = [0.0] * T, 0.0
            for t in reversed(range(T)):
                running = row[t] + gamma * running
                returns[t] = running
            out.append(returns)
    return torch.tensor(out, dtype=torch.float64).reshape(rewards.shape)


def wrong_returns(rewards: torch.Tensor, gamma: float) -> dict[str, torch.Tensor]:
    """What the usual mistakes compute, to name the one a wrong answer matches."""
    r = rewards.detach().double().cpu()
    T = r.shape[-1]
    forward = torch.zeros_like(r)
    running = torch.zeros_like(r[..., 0])
    for t in range(T):  # discounting from the start: sum_{k <= t} gamma^(t-k) r_k
        running = r[..., t] + gamma * running
        forward[..., t] = running
    total = ref_returns(r, gamma)[..., :1].expand_as(r)
    return {
        "the returns are not discounted (gamma ignored: a plain reversed cumulative sum)": (
            r.flip(-1).cumsum(-1).flip(-1)
        ),
        "discounting in the wrong direction: G_t sums the rewards BEFORE t (a forward "
        "running sum) instead of those from t to the end": forward,
        "the whole episode's discounted return G_0 used at every step instead of the "
        "return-to-go from step t": total,
        "the rewards themselves, not the returns": r.clone(),
    }


def ref_loss(logits, actions, rewards, gamma, baseline=None, variant=None):
    """The REINFORCE loss by a loop over episodes and steps; differentiable in logits.

    `variant` gives the usual wrong versions, to name the one a wrong answer matches.
    """
    N, T, _ = logits.shape
    G = ref_returns(rewards, gamma).to(logits.device, logits.dtype)
    if variant == "undiscounted":
        G = ref_returns(rewards, 1.0).to(logits.device, logits.dtype)
    if isinstance(baseline, str):
        G = G - G.mean()
    elif baseline is not None:
        G = G - baseline.detach()
    total = logits.new_zeros(())
    for n in range(N):
        for t in range(T):
            row = logits[n, t]
            a = int(actions[n, t])
            log_pi = row[a] - torch.logsumexp(row, dim=0)
            pick = torch.exp(log_pi) if variant == "probs" else log_pi
            total = total + pick * G[n, t]
    if variant == "no minus":
        return total / N
    if variant == "sum over episodes":
        return -total
    if variant == "mean over steps":
        return -total / (N * T)
    return -total / N


LOSS_VARIANTS = {
    "probs": "probabilities instead of log-probabilities: the estimator is "
    "grad log pi(a) * G, so use log_softmax(logits) (softmax(logits) gives a biased gradient)",
    "no minus": "the sign: the loss must be MINUS sum log pi * G, so that minimising it "
    "climbs the return (without the minus, gradient descent learns to lose)",
    "sum over episodes": "a sum over the N episodes instead of their mean (the loss and "
    "gradient grow with the batch size)",
    "mean over steps": "a mean over the T steps as well; the steps of an episode are "
    "summed, only the episodes are averaged",
    "undiscounted": "gamma ignored in the returns (undiscounted returns-to-go)",
}


def loss_evidence(got: float, logits, actions, rewards, gamma, baseline=None) -> str:
    for variant, why in LOSS_VARIANTS.items():
        value = ref_loss(logits.detach(), actions, rewards, gamma, baseline, variant).item()
        if math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12):
            return why
    return "the loss is -(1/N) sum_{n,t} log_softmax(logits)[n, t, a] * (G[n, t] - b)."


def make_trajectories(gen, device, N=3, T=5, A=4, dtype=torch.float64):
    logits = torch.randn(N, T, A, generator=gen, dtype=dtype).to(device).requires_grad_(True)
    actions = torch.randint(0, A, (N, T), generator=gen).to(device)
    rewards = (torch.randn(N, T, generator=gen, dtype=dtype) + 0.5).to(device)
    return logits, actions, rewards


def describe_call(logits, gamma, baseline) -> str:
    b = "a tensor" if isinstance(baseline, torch.Tensor) else repr(baseline)
    return (
        f"reinforce_loss(logits {tuple(logits.shape)}, actions, rewards, gamma={gamma}, "
        f"baseline={b})"
    )


class RecordingBandit:
    """The README's Gaussian bandit, written again here, recording every pull."""

    def __init__(self, means: torch.Tensor, std: float, seed: int) -> None:
        self.means = means
        self.std = std
        self.generator = torch.Generator().manual_seed(seed)
        self.pulls: list[torch.Tensor] = []

    @property
    def num_arms(self) -> int:
        return self.means.shape[0]

    def pull(self, actions: torch.Tensor) -> torch.Tensor:
        self.pulls.append(actions.detach().clone())
        noise = torch.randn(actions.shape, generator=self.generator, dtype=self.means.dtype)
        return self.means[actions] + self.std * noise.to(self.means.device)


def shuffled_means(seed: int, device, dtype=torch.float64) -> torch.Tensor:
    order = torch.randperm(len(ARM_MEANS), generator=torch.Generator().manual_seed(seed))
    return torch.tensor(ARM_MEANS, dtype=dtype)[order].to(device)


def ref_train(means, std, bandit_seed, steps, batch_size, lr, seed, variant=None):
    """train_bandit by its docstring, by hand; `variant` gives the usual wrong versions."""
    gen = torch.Generator().manual_seed(seed)
    bandit = RecordingBandit(means, std, bandit_seed)
    theta = torch.zeros(len(means), dtype=means.dtype, device=means.device, requires_grad=True)
    accumulated = torch.zeros_like(theta)
    for _ in range(steps):
        probs = torch.softmax(theta.detach(), dim=0)
        if variant == "argmax":
            actions = probs.argmax().repeat(batch_size).cpu()
        else:
            actions = torch.multinomial(probs.cpu(), batch_size, replacement=True, generator=gen)
        actions = actions.to(means.device)
        rewards = bandit.pull(actions)
        G = rewards - rewards.mean()
        log_pi = torch.log_softmax(theta, dim=0)[actions]
        (grad,) = torch.autograd.grad(-(log_pi * G).mean(), theta)
        if variant == "accumulate":
            accumulated = accumulated + grad
            grad = accumulated
        with torch.no_grad():
            theta += lr * grad if variant == "ascend" else -lr * grad
    return theta.detach()


TRAIN_VARIANTS = {
    "argmax": "actions chosen by argmax (always the current favourite, no exploration); "
    "draw them with torch.multinomial(probs, batch_size, replacement=True, generator=...)",
    "ascend": "the update climbs the loss (theta + lr * grad); gradient DESCENT on the "
    "REINFORCE loss is what climbs the reward",
    "accumulate": "gradients accumulated across steps (loss.backward() without zeroing "
    "theta.grad): each step must use this step's gradient only",
}


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_returns_to_go_match_a_loop(device):
    gen = torch.Generator().manual_seed(78)
    for shape, gamma in [((6,), 0.9), ((3, 7), 0.5), ((2, 2, 5), 0.99), ((4, 9), 0.75)]:
        rewards = torch.randn(shape, generator=gen, dtype=torch.float64).to(device)
        expected = ref_returns(rewards, gamma).to(device)
        got = kata.returns_to_go(rewards, gamma)
        mistake = ""
        if isinstance(got, torch.Tensor) and got.shape == rewards.shape:
            for why, value in wrong_returns(rewards, gamma).items():
                if torch.allclose(got.detach().double().cpu(), value, rtol=1e-9, atol=1e-12):
                    mistake = why
                    break
        assert_tensor_close(
            got,
            expected,
            what=f"returns_to_go(rewards {tuple(shape)} float64, gamma={gamma})",
            rtol=1e-10,
            atol=1e-12,
            mistake=mistake or "G_t = r_t + gamma * G_{t+1}, from the last step backwards.",
        )


@pytest.mark.task(1)
def test_returns_to_go_at_gamma_zero_and_one(device):
    gen = torch.Generator().manual_seed(1)
    rewards = torch.randn(3, 6, generator=gen, dtype=torch.float64).to(device)
    got = kata.returns_to_go(rewards, 0.0)
    assert_tensor_close(
        got,
        rewards,
        what="returns_to_go(rewards (3, 6), gamma=0.0)",
        rtol=0,
        atol=0,
        mistake="NaN or inf at gamma = 0: a discount matrix gamma ** (k - t) evaluated for "
        "k < t (0 ** negative = inf, times a 0 mask = NaN); build only the powers you need."
        if isinstance(got, torch.Tensor) and not bool(torch.isfinite(got).all())
        else "with gamma = 0 each return is its own reward (G_t = r_t + 0 * G_{t+1}): "
        "later rewards leak in, or the returns are shifted by one step.",
    )
    if got.untyped_storage().data_ptr() == rewards.untyped_storage().data_ptr():
        raise AssertionError(
            "returns_to_go(rewards, gamma=0.0) returned rewards itself (the same storage); "
            "expected a new tensor, so that changing the returns cannot change the rewards."
        )
    got = kata.returns_to_go(rewards, 1.0)
    assert_tensor_close(
        got,
        rewards.flip(-1).cumsum(-1).flip(-1),
        what="returns_to_go(rewards (3, 6), gamma=1.0)",
        rtol=1e-12,
        atol=1e-12,
        mistake="with gamma = 1 the return-to-go is the sum of the rewards from t to the end.",
    )


@pytest.mark.task(1)
def test_returns_to_go_stay_finite_over_a_long_horizon(device):
    gen = torch.Generator().manual_seed(2)
    rewards = torch.rand(2, 1100, generator=gen, dtype=torch.float64).to(device)
    got = kata.returns_to_go(rewards, 0.5)
    what = "returns_to_go(rewards (2, 1100) float64, gamma=0.5)"
    if isinstance(got, torch.Tensor) and not bool(torch.isfinite(got).all()):
        raise AssertionError(
            f"{what}: {int((~torch.isfinite(got)).sum())} of {got.numel()} returns are inf "
            f"or NaN. Likely mistake: the shortcut G_t = gamma^(-t) * reversed cumsum of "
            f"gamma^k r_k: 0.5^1100 underflows to 0 and 0.5^-1100 overflows. Use the "
            f"recursion G_t = r_t + gamma * G_(t+1)."
        )
    assert_tensor_close(
        got,
        ref_returns(rewards, 0.5).to(device),
        what=what,
        rtol=1e-10,
        atol=1e-12,
        mistake="G_t = r_t + gamma * G_{t+1}, from the last step backwards.",
    )


@pytest.mark.task(1)
def test_returns_to_go_of_unusual_inputs(device):
    gen = torch.Generator().manual_seed(3)
    base = torch.randn(7, 4, generator=gen).to(device)
    cases = {
        "a single step (T = 1)": base[:1, :1].T.contiguous(),  # (1, 1)
        "a 1-d episode of one step, shape (1,)": base[0, :1].clone(),
        "a non-contiguous (4, 7) float32 view (a transpose)": base.T,
        "a float32 (7, 4) tensor": base,
    }
    for label, rewards in cases.items():
        before = rewards.clone()
        what = f"returns_to_go({label}, gamma=0.8)"
        got = kata.returns_to_go(rewards, 0.8)
        assert_tensor_close(
            rewards,
            before,
            what=f"rewards after {what}",
            rtol=0,
            atol=0,
            mistake="the caller's rewards were changed in place (flip_, cumsum written back, "
            "or a loop writing into rewards); fill a new tensor.",
        )
        assert_tensor_close(
            got,
            ref_returns(rewards, 0.8).to(device, rewards.dtype),
            what=what,
            mistake="the time dimension is the LAST one, whatever the layout and length; keep "
            "rewards' dtype.",
        )


@pytest.mark.task(1)
def test_returns_to_go_rejects_bad_arguments(device):
    rewards = torch.ones(2, 3, device=device)
    for gamma in (-0.1, 1.5):
        assert_raises(
            ValueError,
            kata.returns_to_go,
            rewards,
            gamma,
            what=f"returns_to_go(rewards (2, 3), gamma={gamma})",
            mistake="no check that 0 <= gamma <= 1.",
        )
    assert_raises(
        ValueError,
        kata.returns_to_go,
        torch.tensor(1.0, device=device),
        0.9,
        what="returns_to_go(a 0-d tensor, 0.9)",
        mistake="no check that rewards has a time dimension.",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("gamma", [0.9, 1.0, 0.0])
def test_loss_and_gradient_equal_the_formula(gamma, device):
    gen = torch.Generator().manual_seed(20)
    for trial in range(3):
        logits, actions, rewards = make_trajectories(gen, device, N=2 + trial, T=4 + trial)
        what = describe_call(logits, gamma, None)
        got = kata.reinforce_loss(logits, actions, rewards, gamma)
        if not isinstance(got, torch.Tensor) or got.shape != () or not got.requires_grad:
            raise AssertionError(
                f"{what} returned {got!r:.80}; expected a 0-d tensor that requires grad (the "
                f"surrogate loss to call backward() on). Likely mistake: .item(), or log-probs "
                f"computed from detached logits."
            )
        expected = ref_loss(logits, actions, rewards, gamma)
        mistake = loss_evidence(got.item(), logits, actions, rewards, gamma)
        assert_tensor_close(got, expected, what=what, rtol=1e-10, atol=1e-12, mistake=mistake)
        (grad,) = torch.autograd.grad(got, logits)
        (ref_grad,) = torch.autograd.grad(expected, logits)
        assert_tensor_close(
            grad,
            ref_grad,
            what=f"d {what} / d logits",
            rtol=1e-10,
            atol=1e-12,
            mistake="the gradient must be -(1/N) sum grad log pi(a_t) * G_t; a value that is "
            "right but a gradient that is wrong means part of the formula was detached "
            "(or computed from logits.detach()).",
        )


@pytest.mark.task(2)
def test_mean_baseline_subtracts_the_mean_return(device):
    gen = torch.Generator().manual_seed(21)
    for trial in range(3):
        logits, actions, rewards = make_trajectories(gen, device, N=4, T=3 + trial)
        what = describe_call(logits, 0.9, "mean")
        got = kata.reinforce_loss(logits, actions, rewards, 0.9, baseline="mean")
        expected = ref_loss(logits, actions, rewards, 0.9, "mean")
        none = ref_loss(logits.detach(), actions, rewards, 0.9).item()
        mistake = (
            "the baseline was not subtracted."
            if isinstance(got, torch.Tensor) and math.isclose(got.item(), none, rel_tol=1e-9)
            else "b is the mean of ALL the returns-to-go of the batch (one number), "
            "G.mean(), subtracted from every G[n, t]."
        )
        assert_tensor_close(got, expected, what=what, rtol=1e-10, atol=1e-12, mistake=mistake)
        (grad,) = torch.autograd.grad(got, logits)
        (ref_grad,) = torch.autograd.grad(expected, logits)
        assert_tensor_close(grad, ref_grad, what=f"d {what} / d logits", rtol=1e-10, atol=1e-12)


@pytest.mark.task(2)
def test_learned_baseline_gets_no_gradient_from_the_policy_loss(device):
    gen = torch.Generator().manual_seed(22)
    logits, actions, rewards = make_trajectories(gen, device, N=3, T=4)
    # a learned baseline: a value head's output, part of the graph of its weights
    weights = torch.randn(3, 4, generator=gen, dtype=torch.float64).to(device)
    weights.requires_grad_(True)
    baseline = weights * 0.5
    what = describe_call(logits, 0.95, baseline) + " with a baseline that requires grad"
    got = kata.reinforce_loss(logits, actions, rewards, 0.95, baseline=baseline)
    expected = ref_loss(logits, actions, rewards, 0.95, baseline)
    assert_tensor_close(
        got,
        expected,
        what=what,
        rtol=1e-10,
        atol=1e-12,
        mistake="the advantage is G[n, t] - baseline[n, t], element by element.",
    )
    grad_logits, grad_weights = torch.autograd.grad(got, (logits, weights), allow_unused=True)
    if grad_weights is not None and bool((grad_weights != 0).any()):
        raise AssertionError(
            f"{what}: the policy loss sent a gradient into the baseline's weights (largest "
            f"{grad_weights.abs().max().item():.3g}). Likely mistake: the baseline is not "
            f"detached: (G - baseline.detach()); otherwise the policy loss trains the value "
            f"estimate to make the advantage large, not accurate."
        )
    (ref_grad,) = torch.autograd.grad(expected, logits)
    assert_tensor_close(grad_logits, ref_grad, what=f"d {what} / d logits", rtol=1e-10, atol=1e-12)


@pytest.mark.task(2)
@pytest.mark.parametrize("baseline", [None, "mean"])
def test_estimator_is_the_policy_gradient_on_average(baseline, device):
    """Averaged over 20000 sampled one-step episodes, -grad loss is within 0.02 of the
    exact gradient of the expected reward sum_a pi_a mu_a (the estimator is unbiased)."""
    gen = torch.Generator().manual_seed(23)
    A, N = 4, 20000
    theta = torch.tensor([0.3, -0.4, 0.1, 0.6], dtype=torch.float64)
    mu = torch.tensor([1.5, 0.2, 0.9, -0.3], dtype=torch.float64)
    pi = torch.softmax(theta, 0)
    exact = pi * (mu - (pi * mu).sum())  # d/dtheta sum_a pi_a mu_a
    actions = torch.multinomial(pi, N, replacement=True, generator=gen)
    theta_d = theta.to(device).requires_grad_(True)
    logits = theta_d.expand(N, 1, A)
    rewards = mu.to(device)[actions.to(device)][:, None]
    what = (
        f"-d reinforce_loss(logits (20000, 1, 4), sampled actions, rewards, gamma=1.0, "
        f"baseline={baseline!r}) / d theta, against the exact policy gradient {exact.tolist()}"
    )
    loss = kata.reinforce_loss(logits, actions.to(device)[:, None], rewards, 1.0, baseline)
    (grad,) = torch.autograd.grad(loss, theta_d)
    ascent = -grad.detach().cpu().double()
    if torch.allclose(-ascent, exact, rtol=0, atol=0.02):
        mistake = (
            "the sign: minus the loss's gradient must point UP the expected reward, so the "
            "loss is MINUS sum log pi * G."
        )
    else:
        mistake = (
            "a biased estimator: probabilities instead of log-probabilities (the estimator "
            "is E[grad log pi(a) * r]), or a reduction other than the mean over episodes."
        )
    assert_tensor_close(ascent, exact, what=what, rtol=0, atol=0.02, mistake=mistake)


@pytest.mark.task(2)
def test_loss_of_unusual_inputs(device):
    gen = torch.Generator().manual_seed(26)
    # float32 logits laid out (A, T, N) and permuted: non-contiguous; and one one-step episode
    raw = torch.randn(4, 5, 3, generator=gen).to(device)
    cases = {
        "non-contiguous float32 logits (3, 5, 4)": (
            raw.permute(2, 1, 0).requires_grad_(True),
            torch.randint(0, 4, (3, 5), generator=gen).to(device),
            torch.randn(3, 5, generator=gen).to(device),
        ),
        "one episode of one step, float32 (1, 1, 4)": (
            raw[:, 0, 0].reshape(1, 1, 4).clone().requires_grad_(True),
            torch.tensor([[2]], device=device),
            torch.tensor([[1.5]], device=device),
        ),
    }
    for label, (logits, actions, rewards) in cases.items():
        what = f"reinforce_loss({label}, actions, rewards, gamma=0.9, baseline='mean')"
        got = kata.reinforce_loss(logits, actions, rewards, 0.9, baseline="mean")
        expected = ref_loss(logits.double(), actions, rewards, 0.9, "mean").to(torch.float32)
        assert_tensor_close(
            got,
            expected,
            what=what,
            rtol=1e-5,
            atol=1e-6,
            mistake="index the action dimension (the last) of logits whatever their layout; "
            "keep logits' dtype.",
        )


@pytest.mark.task(2)
def test_loss_leaves_its_arguments_alone(device):
    gen = torch.Generator().manual_seed(24)
    logits, actions, rewards = make_trajectories(gen, device, N=2, T=6)
    baseline = torch.randn(2, 6, generator=gen, dtype=torch.float64).to(device)
    saved = [t.detach().clone() for t in (logits, actions, rewards, baseline)]
    kata.reinforce_loss(logits, actions, rewards, 0.9, baseline=baseline)
    for name, before, now in zip(
        ("logits", "actions", "rewards", "baseline"),
        saved,
        (logits, actions, rewards, baseline),
        strict=True,
    ):
        assert_tensor_close(
            now.detach(),
            before,
            what=f"{name} after reinforce_loss(logits, actions, rewards, 0.9, baseline)",
            rtol=0,
            atol=0,
            mistake=f"the caller's {name} was changed in place; compute into new tensors.",
        )
    if logits.grad is not None:
        raise AssertionError(
            "reinforce_loss(...) wrote logits.grad: it returns the loss and leaves backward() "
            "to the caller."
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "problem", ["gamma > 1", "actions shape", "rewards shape", "baseline string", "baseline shape"]
)
def test_loss_rejects_bad_arguments(problem, device):
    gen = torch.Generator().manual_seed(25)
    logits, actions, rewards = make_trajectories(gen, device, N=2, T=3)
    gamma, baseline = 0.9, None
    if problem == "gamma > 1":
        gamma = 1.1
    elif problem == "actions shape":
        actions = actions[:, :2]
    elif problem == "rewards shape":
        rewards = rewards.T
    elif problem == "baseline string":
        baseline = "median"
    else:
        baseline = torch.zeros(2, 2, dtype=torch.float64, device=device)
    assert_raises(
        ValueError,
        kata.reinforce_loss,
        logits,
        actions,
        rewards,
        gamma,
        baseline,
        what=f"reinforce_loss(logits (2, 3, 4), ...) with a bad {problem}",
        mistake="no check of gamma, of the (N, T) shapes of actions, rewards and a baseline "
        "tensor, or of the baseline's name.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_bandit_rewards_are_means_plus_noise_from_its_generator(device):
    gen = torch.Generator().manual_seed(30)
    means = torch.randn(5, generator=gen, dtype=torch.float64).to(device)
    actions = torch.randint(0, 5, (4, 6), generator=gen).to(device)
    bandit = kata.Bandit(means, std=0.7, generator=torch.Generator().manual_seed(31))
    oracle = torch.Generator().manual_seed(31)
    first = means[actions] + 0.7 * torch.randn(4, 6, generator=oracle, dtype=torch.float64).to(
        device
    )
    second = means[actions] + 0.7 * torch.randn(4, 6, generator=oracle, dtype=torch.float64).to(
        device
    )
    got1 = bandit.pull(actions)
    got2 = bandit.pull(actions)
    what = "Bandit(means (5,), std=0.7, generator=seeded).pull(actions (4, 6))"
    assert_tensor_close(
        got1,
        first,
        what=f"the first {what}",
        rtol=1e-12,
        atol=1e-12,
        mistake="the reward is means[actions] + std * noise, noise = torch.randn(actions.shape, "
        "generator=generator, dtype=means.dtype) drawn on the CPU: noise from torch's global "
        "generator (generator= forgotten) or drawn on the device.",
    )
    if torch.equal(got1, got2):
        raise AssertionError(
            f"{what}: two pulls of the same arms gave exactly the same rewards. Likely "
            f"mistake: the generator is re-seeded (or copied) on every pull; keep drawing "
            f"from the one generator, so each pull is a fresh sample."
        )
    assert_tensor_close(got2, second, what=f"the second {what}", rtol=1e-12, atol=1e-12)


@pytest.mark.task(3)
def test_bandit_keeps_means_dtype_and_device(device):
    means = torch.tensor([0.25, -1.0, 2.0], device=device)  # float32
    bandit = kata.Bandit(means, std=0.0)
    if bandit.num_arms != 3:
        raise AssertionError(f"Bandit(means (3,)).num_arms is {bandit.num_arms!r}; expected 3.")
    actions = torch.tensor([2, 0, 0, 1], device=device)
    got = bandit.pull(actions)
    assert_tensor_close(
        got,
        means[actions],
        what="Bandit(means (3,) float32, std=0.0).pull(actions (4,))",
        rtol=0,
        atol=0,
        mistake="with std 0 the reward is exactly means[actions], in means's dtype.",
    )
    assert_tensor_close(means, torch.tensor([0.25, -1.0, 2.0], device=device), what="means")


@pytest.mark.task(3)
def test_bandit_without_a_generator_uses_torchs_global_one(device):
    means = torch.tensor([0.0, 1.0, -1.0], dtype=torch.float64, device=device)
    actions = torch.tensor([0, 1, 2, 1], device=device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(33)
        expected = means[actions] + 2.0 * torch.randn(4, dtype=torch.float64).to(device)
        torch.manual_seed(33)
        got = kata.Bandit(means, std=2.0).pull(actions)
    assert_tensor_close(
        got,
        expected,
        what="Bandit(means (3,), std=2.0, generator=None).pull(actions (4,)) after "
        "torch.manual_seed(33)",
        rtol=1e-12,
        atol=1e-12,
        mistake="with generator None the noise is torch.randn(actions.shape, generator=None, "
        "dtype=means.dtype) on the CPU: torch's global generator, scaled by std.",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("problem", ["2-d means", "empty means", "std < 0", "arm 5", "arm -1"])
def test_bandit_rejects_bad_arguments(problem, device):
    means = torch.zeros(5, device=device)
    if problem == "2-d means":
        call, args = kata.Bandit, (torch.zeros(2, 3, device=device),)
    elif problem == "empty means":
        call, args = kata.Bandit, (torch.zeros(0, device=device),)
    elif problem == "std < 0":
        call, args = kata.Bandit, (means, -1.0)
    else:
        arm = 5 if problem == "arm 5" else -1
        call, args = kata.Bandit(means).pull, (torch.tensor([0, arm], device=device),)
    assert_raises(
        ValueError,
        call,
        *args,
        what=f"Bandit with {problem} (5 arms)",
        mistake="no check of means (1-d, non-empty), std >= 0, or actions in [0, A) (a "
        "negative index would silently pull arm A - 1).",
    )


# ----------------------------------------------------------------------------- task 4


@pytest.mark.task(4)
def test_actions_are_sampled_from_the_policy(device):
    means = shuffled_means(40, device)
    bandit = RecordingBandit(means, 1.0, seed=41)
    kata.train_bandit(bandit, 1, 64, 0.5, torch.Generator().manual_seed(42))
    what = "train_bandit(bandit (5 arms), steps=1, batch_size=64, lr=0.5, generator=seeded)"
    if len(bandit.pulls) != 1:
        raise AssertionError(
            f"{what} called bandit.pull {len(bandit.pulls)} times; expected once per step."
        )
    actions = bandit.pulls[0]
    if actions.shape != (64,) or actions.dtype != torch.long or actions.device != means.device:
        raise AssertionError(
            f"{what} pulled actions {tuple(actions.shape)} {actions.dtype} on {actions.device}; "
            f"expected (64,) torch.int64 on {means.device}."
        )
    if bool((actions == actions[0]).all()):
        raise AssertionError(
            f"{what}: all 64 actions of the first step were arm {int(actions[0])}, from a "
            f"uniform policy. Likely mistake: actions chosen by argmax (no exploration), or "
            f"one sample repeated for the whole batch: sample all of them with "
            f"torch.multinomial(probs, batch_size, replacement=True)."
        )
    uniform = torch.softmax(torch.zeros(5, dtype=torch.float64), 0)
    expected = torch.multinomial(uniform, 64, True, generator=torch.Generator().manual_seed(42))
    assert_tensor_close(
        actions.cpu(),
        expected,
        what=f"the actions pulled by {what}",
        mistake="draw them with torch.multinomial(softmax(theta).cpu(), batch_size, "
        "replacement=True, generator=generator), theta starting at zeros.",
    )


@pytest.mark.task(4)
def test_training_equals_a_reference_loop(device):
    for seed in (50, 51):
        means = shuffled_means(seed, device)
        bandit = RecordingBandit(means, 1.0, seed=seed + 100)
        what = (
            f"train_bandit(bandit (5 arms), steps=6, batch_size=16, lr=0.8, "
            f"generator=torch.Generator().manual_seed({seed}))"
        )
        got = kata.train_bandit(bandit, 6, 16, 0.8, torch.Generator().manual_seed(seed))
        expected = ref_train(means, 1.0, seed + 100, 6, 16, 0.8, seed)
        mistake = (
            "each step: sample, pull, REINFORCE loss with the mean baseline, theta -= lr * grad."
        )
        if isinstance(got, torch.Tensor) and got.shape == expected.shape:
            for variant, why in TRAIN_VARIANTS.items():
                wrong = ref_train(means, 1.0, seed + 100, 6, 16, 0.8, seed, variant)
                if torch.allclose(got.detach().to(wrong), wrong, rtol=1e-9, atol=1e-12):
                    mistake = why
                    break
        assert_tensor_close(got, expected, what=what, rtol=1e-9, atol=1e-12, mistake=mistake)
        if got.requires_grad:
            raise AssertionError(
                f"{what} returned logits that require grad; expected a detached tensor. Likely "
                f"mistake: theta (the trained leaf) returned as it is; return theta.detach()."
            )


@pytest.mark.task(4)
def test_learns_the_bandit(device):
    """The README's bandit: after 100 steps of 32 pulls (lr 1.0) the best arm's probability
    passes 0.9, for three seeds."""
    for seed in (60, 61, 62):
        means = shuffled_means(seed, device)
        bandit = RecordingBandit(means, 1.0, seed=seed + 100)
        theta = kata.train_bandit(bandit, 100, 32, 1.0, torch.Generator().manual_seed(seed))
        probs = torch.softmax(theta.detach().double(), 0).cpu()
        best, worst = int(means.argmax()), int(means.argmin())
        what = (
            f"train_bandit(bandit with arm means {[round(m, 1) for m in means.tolist()]}, "
            f"steps=100, batch_size=32, lr=1.0, seed {seed})"
        )
        if probs[best] < 0.9:
            likely = (
                "the sign: the update climbs the loss, or the loss lacks its minus, so the "
                "policy learns the WORST arm"
                if probs[worst] > 0.5
                else "no exploration (argmax actions), this step's gradient not used alone, or "
                "a gradient that is not the REINFORCE one"
            )
            raise AssertionError(
                f"{what}: the final policy gives the best arm (arm {best}) probability "
                f"{probs[best]:.3f}, below 0.9 (policy {[round(p, 3) for p in probs.tolist()]}). "
                f"Likely mistake: {likely}."
            )


@pytest.mark.task(4)
def test_returns_new_detached_logits_on_the_bandits_device(device):
    means = shuffled_means(70, device, dtype=torch.float32)
    bandit = RecordingBandit(means, 1.0, seed=71)
    got = kata.train_bandit(bandit, 0, 8, 0.5, torch.Generator().manual_seed(72))
    assert_tensor_close(
        got,
        torch.zeros(5, device=device),
        what="train_bandit(bandit with float32 means, steps=0, ...)",
        rtol=0,
        atol=0,
        mistake="theta starts at zeros (a uniform policy), in means's dtype, on its device.",
    )
    if got.requires_grad:
        raise AssertionError(
            "train_bandit(..., steps=0) returned logits that require grad; expected a detached "
            "tensor. Likely mistake: theta (the trained leaf) returned as it is; return "
            "theta.detach()."
        )
