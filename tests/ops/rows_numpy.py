"""Op-table rows for the NumPy-style and Keras-core ops (elementwise, arrays, statistics, products, linalg,
nn_functions, core control flow, signal, patches)."""
import numpy as np

from neuroflow import ops

from .harness import away_from, case, const, distinct, positive, uniform

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the table still runs finite differences
    torch = F = None

S = (3, 4)
T = torch


def _t(name):
    return getattr(torch, name) if torch else None


def _spd(a):
    """A symmetric positive-definite matrix from any square ``a`` (neuroflow or torch tensor)."""
    n = a.shape[-1]
    eye = np.eye(n)
    if torch is not None and isinstance(a, torch.Tensor):
        return a @ a.transpose(-1, -2) + n * torch.eye(n, dtype=a.dtype)
    return ops.matmul(a, ops.swapaxes(a, -1, -2)) + eye.astype(a.dtype) * n


def _sparsemax_torch(x):
    z, _ = torch.sort(x, dim=-1, descending=True)
    k = torch.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    cum = z.cumsum(-1)
    kz = (1 + k * z > cum).sum(-1, keepdim=True)
    tau = (cum.gather(-1, kz - 1) - 1) / kz.to(x.dtype)
    return torch.clamp(x - tau, min=0)


_DEN = torch.tensor([0.0, 2.0, -1.5, 0.5]) if torch else None
_SPECIAL = np.zeros((3, 4), bool)
_SPECIAL[0, 1] = _SPECIAL[1, 2] = _SPECIAL[2, 3] = True
_SPECIAL_VALUES = np.where(_SPECIAL, np.array([np.nan, np.inf, -np.inf] * 4).reshape(3, 4), 0.0)

ROWS = [
    # --- element-wise rules
    case("sin", ops.sin, [S], _t("sin")),
    case("cos", ops.cos, [S], _t("cos")),
    case("tan", ops.tan, [uniform(3, 4, low=-1.2, high=1.2)], _t("tan")),
    case("arcsin", ops.arcsin, [uniform(3, 4, low=-0.9, high=0.9)], _t("arcsin")),
    case("arccos", ops.arccos, [uniform(3, 4, low=-0.9, high=0.9)], _t("arccos")),
    case("arctan", ops.arctan, [S], _t("arctan")),
    case("sinh", ops.sinh, [S], _t("sinh")),
    case("cosh", ops.cosh, [S], _t("cosh")),
    case("arcsinh", ops.arcsinh, [S], _t("arcsinh")),
    case("arccosh", ops.arccosh, [uniform(3, 4, low=1.2, high=3.0)], _t("arccosh")),
    case("arctanh", ops.arctanh, [uniform(3, 4, low=-0.9, high=0.9)], _t("arctanh")),
    case("cbrt", ops.cbrt, [away_from(*S, gap=0.3)], lambda a: torch.sign(a) * a.abs() ** (1 / 3)),
    case("exp2", ops.exp2, [S], _t("exp2")),
    case("log2", ops.log2, [positive(*S)], _t("log2")),
    case("log10", ops.log10, [positive(*S)], _t("log10")),
    case("reciprocal", ops.reciprocal, [positive(*S)], _t("reciprocal")),
    case("rsqrt", ops.rsqrt, [positive(*S)], _t("rsqrt")),
    case("erf", ops.erf, [S], _t("erf"), atol=2e-6),
    case("erfc", ops.erfc, [S], _t("erfc"), atol=2e-6),
    case("erfinv", ops.erfinv, [uniform(3, 4, low=-0.9, high=0.9)], _t("erfinv"), atol=2e-5, rtol=2e-4),
    case("sinc", ops.sinc, [S], _t("sinc")),
    case("deg2rad", ops.deg2rad, [S], _t("deg2rad")),
    case("rad2deg", ops.rad2deg, [S], _t("rad2deg")),
    case("arctan2", ops.arctan2, [S, away_from(4)], _t("arctan2")),
    case("hypot", ops.hypot, [away_from(3, 4), away_from(4)], _t("hypot")),
    case("logaddexp", ops.logaddexp, [S, (4,)], _t("logaddexp")),
    case("logaddexp2", ops.logaddexp2, [S, (4,)], _t("logaddexp2")),
    case("fmod", ops.fmod, [uniform(3, 4, low=0.1, high=0.9), positive(4, low=1.0, high=2.0)], _t("fmod")),
    case("mod", ops.mod, [uniform(3, 4, low=0.1, high=0.9), positive(4, low=1.0, high=2.0)], _t("remainder")),
    case("fmax", ops.fmax, [distinct(3, 4), distinct(4)], _t("fmax")),
    case("fmin", ops.fmin, [distinct(3, 4), distinct(4)], _t("fmin")),
    case("divide_no_nan", lambda a: ops.divide_no_nan(a, np.array([0.0, 2.0, -1.5, 0.5], dtype=a.dtype)), [S],
         lambda a: torch.where(_DEN == 0, 0 * a, a / torch.where(_DEN == 0, torch.ones(4), _DEN))),
    # --- layout, gathers and scatters
    case("moveaxis", lambda a: ops.moveaxis(a, 0, -1), [(2, 3, 4)], lambda a: torch.movedim(a, 0, -1)),
    case("swapaxes", lambda a: ops.swapaxes(a, 0, 2), [(2, 3, 4)], lambda a: a.transpose(0, 2)),
    case("ravel", ops.ravel, [(2, 3)], lambda a: a.reshape(-1)),
    case("copy", ops.copy, [S], lambda a: a.clone()),
    case("real", ops.real, [S], lambda a: a),
    case("conjugate", ops.conjugate, [S], lambda a: a),
    case("hstack", lambda a, b: ops.hstack([a, b]), [(3, 2), (3, 4)], lambda a, b: torch.hstack([a, b])),
    case("vstack", lambda a, b: ops.vstack([a, b]), [(4,), (2, 4)], lambda a, b: torch.vstack([a, b])),
    case("dstack", lambda a, b: ops.dstack([a, b]), [(2, 3), (2, 3)], lambda a, b: torch.dstack([a, b])),
    case("array_split", lambda a: ops.array_split(a, 3, axis=1), [(2, 5)],
         lambda a: torch.tensor_split(a, 3, dim=1)),
    case("hsplit", lambda a: ops.hsplit(a, 2), [(3, 4)], lambda a: torch.hsplit(a, 2)),
    case("vsplit", lambda a: ops.vsplit(a, [1]), [(3, 4)], lambda a: torch.vsplit(a, [1])),
    case("dsplit", lambda a: ops.dsplit(a, 2), [(2, 2, 4)], lambda a: torch.dsplit(a, 2)),
    case("unstack", lambda a: ops.unstack(a, axis=1), [(2, 3)], lambda a: torch.unbind(a, 1)),
    case("append", ops.append, [(2, 2), (3,)], lambda a, b: torch.cat([a.reshape(-1), b])),
    case("roll", lambda a: ops.roll(a, (1, -2), (0, 1)), [S], lambda a: torch.roll(a, (1, -2), (0, 1))),
    case("roll", lambda a: ops.roll(a, 5), [S], lambda a: torch.roll(a, 5), id="flat"),
    case("rot90", lambda a: ops.rot90(a, 1), [S], lambda a: torch.rot90(a, 1)),
    case("rot90", lambda a: ops.rot90(a, 3, (1, 2)), [(2, 3, 4)], lambda a: torch.rot90(a, 3, (1, 2)), id="k3"),
    case("fliplr", ops.fliplr, [S], _t("fliplr")),
    case("flipud", ops.flipud, [S], _t("flipud")),
    case("tril", lambda a: ops.tril(a, -1), [(2, 3, 4)], lambda a: torch.tril(a, -1)),
    case("triu", lambda a: ops.triu(a, 1), [S], lambda a: torch.triu(a, 1)),
    case("diagonal", lambda a: ops.diagonal(a, 1, 1, 2), [(2, 3, 4)], lambda a: torch.diagonal(a, 1, 1, 2)),
    case("trace", ops.trace, [S], _t("trace")),
    case("diag", lambda a: ops.diag(a, -1), [(3,)], lambda a: torch.diag(a, -1)),
    case("diag", lambda a: ops.diag(a, 1), [S], lambda a: torch.diag(a, 1), id="2d"),
    case("diagflat", ops.diagflat, [(2, 2)], _t("diagflat")),
    case("take", lambda a: ops.take(a, np.array([[2, 0], [2, 2]]), axis=1), [S],
         lambda a: a[:, torch.tensor([[2, 0], [2, 2]])]),
    case("take_along_axis", lambda a: ops.take_along_axis(a, np.array([[0, 3], [1, 1], [3, 2]]), axis=1), [S],
         lambda a: torch.take_along_dim(a, torch.tensor([[0, 3], [1, 1], [3, 2]]), 1)),
    case("get_item", lambda a: ops.get_item(a, (slice(1, None), 2)), [S], lambda a: a[1:, 2]),
    case("slice", lambda a: ops.slice(a, [1, 0], [2, 3]), [S], lambda a: a[1:3, 0:3]),
    case("slice_update", lambda a, u: ops.slice_update(a, [1, 1], u), [S, (2, 2)],
         lambda a, u: torch.cat([a[:1], torch.cat([a[1:, :1], u, a[1:, 3:]], 1)], 0)),
    case("scatter", lambda v: ops.scatter(np.array([[0, 1], [2, 2], [0, 1]]), v, (3, 3)), [(3,)],
         lambda v: torch.zeros(3, 3, dtype=v.dtype).index_put((torch.tensor([0, 2, 0]), torch.tensor([1, 2, 1])),
                                                               v, accumulate=True)),
    case("scatter_update", lambda a, u: ops.scatter_update(a, np.array([[0, 1], [2, 3]]), u), [S, (2,)],
         lambda a, u: a.index_put((torch.tensor([0, 2]), torch.tensor([1, 3])), u)),
    case("select", lambda a, b: ops.select([np.array([True, False, False, True]), np.array([False, True,
                                                                                        False, True])], [a, b]),
         [(4,), (4,)], lambda a, b: torch.where(torch.tensor([True, False, False, True]), a,
                                                torch.where(torch.tensor([False, True, False, True]), b,
                                                            torch.zeros_like(a)))),
    case("nan_to_num", lambda a: ops.nan_to_num(ops.where(_SPECIAL, _SPECIAL_VALUES.astype(a.dtype), a), posinf=5.0,
                                                 neginf=-5.0), [S],
         lambda a: torch.nan_to_num(torch.where(torch.from_numpy(_SPECIAL), torch.from_numpy(_SPECIAL_VALUES)
                                                .to(a.dtype), a), posinf=5.0, neginf=-5.0)),
    # --- statistics and scans
    case("cumsum", lambda a: ops.cumsum(a, axis=1), [S], lambda a: torch.cumsum(a, 1)),
    case("cumprod", lambda a: ops.cumprod(a, axis=0), [S], lambda a: torch.cumprod(a, 0)),
    case("cumprod", lambda a: ops.cumprod(a * np.array([1, 0, 1, 1], dtype=a.dtype), axis=1), [S],
         lambda a: torch.cumprod(a * torch.tensor([1.0, 0.0, 1.0, 1.0]), 1), id="with-zeros"),
    case("nancumsum", lambda a: ops.nancumsum(a, axis=1), [S], lambda a: torch.cumsum(a, 1)),
    case("nancumprod", lambda a: ops.nancumprod(a, axis=1), [S], lambda a: torch.cumprod(a, 1)),
    case("sort", lambda a: ops.sort(a, axis=0), [distinct(3, 4)], lambda a: torch.sort(a, 0).values),
    case("top_k", lambda a: ops.top_k(a, 2)[0], [distinct(3, 4)], lambda a: torch.topk(a, 2).values),
    case("median", lambda a: ops.median(a, axis=1), [distinct(3, 4)], lambda a: torch.quantile(a, 0.5, dim=1)),
    case("quantile", lambda a: ops.quantile(a, np.array([0.2, 0.9]), axis=0), [distinct(5, 3)],
         lambda a: torch.quantile(a, torch.tensor([0.2, 0.9]), dim=0)),
    case("percentile", lambda a: ops.percentile(a, 30.0), [distinct(3, 4)],
         lambda a: torch.quantile(a, 0.3)),
    case("nansum", lambda a: ops.nansum(a, axis=0), [S], lambda a: torch.nansum(a, 0)),
    case("nanmean", lambda a: ops.nanmean(a, axis=1), [S], lambda a: torch.nanmean(a, 1)),
    case("nanmax", lambda a: ops.nanmax(a, axis=1), [distinct(3, 4)], lambda a: torch.amax(a, 1)),
    case("nanmin", lambda a: ops.nanmin(a, axis=1), [distinct(3, 4)], lambda a: torch.amin(a, 1)),
    case("nanprod", lambda a: ops.nanprod(a, axis=1), [S], lambda a: torch.prod(a, 1)),
    case("nanvar", lambda a: ops.nanvar(a, axis=1), [S], lambda a: torch.var(a, 1, unbiased=False)),
    case("nanstd", lambda a: ops.nanstd(a, axis=1), [S], lambda a: torch.std(a, 1, unbiased=False)),
    case("average", lambda a, w: ops.average(a, axis=1, weights=w), [S, positive(4)],
         lambda a, w: (a * w).sum(1) / w.sum()),
    case("ptp", lambda a: ops.ptp(a, axis=1), [distinct(3, 4)], lambda a: a.amax(1) - a.amin(1)),
    case("diff", lambda a: ops.diff(a, 2, axis=1), [(3, 5)], lambda a: torch.diff(a, 2, dim=1)),
    case("trapezoid", lambda a: ops.trapezoid(a, np.array([0.0, 0.5, 1.5, 3.0])), [S],
         lambda a: torch.trapezoid(a, torch.tensor([0.0, 0.5, 1.5, 3.0]))),
    case("corrcoef", ops.corrcoef, [(3, 5)], _t("corrcoef")),
    # --- products
    case("einsum", lambda a, b: ops.einsum("bij,jk->bik", a, b), [(2, 3, 4), (4, 2)],
         lambda a, b: torch.einsum("bij,jk->bik", a, b)),
    case("einsum", lambda a, b: ops.einsum("...j,j", a, b), [(2, 3, 4), (4,)],
         lambda a, b: torch.einsum("...j,j", a, b), id="ellipsis-implicit"),
    case("einsum", lambda a: ops.einsum("ij->j", a), [S], lambda a: torch.einsum("ij->j", a), id="sum"),
    case("tensordot", lambda a, b: ops.tensordot(a, b, ([1, 2], [0, 1])), [(2, 3, 4), (3, 4, 2)],
         lambda a, b: torch.tensordot(a, b, ([1, 2], [0, 1]))),
    case("outer", ops.outer, [(3,), (4,)], _t("outer")),
    case("inner", ops.inner, [(2, 3), (4, 3)], _t("inner")),
    case("vdot", ops.vdot, [(5,), (5,)], lambda a, b: torch.dot(a, b)),
    case("kron", ops.kron, [(2, 3), (2, 2)], _t("kron")),
    case("cross", ops.cross, [(2, 3), (2, 3)], lambda a, b: torch.linalg.cross(a, b)),
    case("cdist", ops.cdist, [(3, 2), (4, 2)], _t("cdist")),
    # --- linear algebra
    case("det", ops.det, [(2, 3, 3)], lambda a: torch.linalg.det(a)),
    case("inv", lambda a: ops.inv(_spd(a)), [(3, 3)], lambda a: torch.linalg.inv(_spd(a))),
    case("solve", lambda a, b: ops.solve(_spd(a), b), [(3, 3), (3, 2)], lambda a, b: torch.linalg.solve(_spd(a), b)),
    case("solve", lambda a, b: ops.solve(_spd(a), b), [(3, 3), (3,)], lambda a, b: torch.linalg.solve(_spd(a), b),
         id="vector"),
    case("solve_triangular", lambda a, b: ops.solve_triangular(_spd(a), b, lower=True), [(3, 3), (3, 2)],
         lambda a, b: torch.linalg.solve_triangular(torch.tril(_spd(a)), b, upper=False)),
    case("cholesky", lambda a: ops.cholesky(_spd(a)), [(3, 3)], lambda a: torch.linalg.cholesky(_spd(a))),
    case("cholesky_inverse", lambda a: ops.cholesky_inverse(ops.cholesky(_spd(a))), [(3, 3)],
         lambda a: torch.cholesky_inverse(torch.linalg.cholesky(_spd(a)))),
    case("slogdet", lambda a: ops.slogdet(a)[1], [(3, 3)], lambda a: torch.linalg.slogdet(a)[1]),
    case("logdet", lambda a: ops.logdet(_spd(a)), [(3, 3)], lambda a: torch.logdet(_spd(a))),
    case("norm", lambda a: ops.norm(a, axis=1), [S], lambda a: torch.linalg.vector_norm(a, dim=1)),
    case("norm", lambda a: ops.norm(a, 1, axis=(0, 1)), [away_from(*S)], lambda a: torch.linalg.matrix_norm(a, 1),
         id="matrix-1"),
    case("norm", lambda a: ops.norm(a, 3, axis=1), [away_from(*S)], lambda a: torch.linalg.vector_norm(a, 3, dim=1),
         id="p3"),
    # --- nn functions
    case("relu6", ops.relu6, [away_from(3, 4, points=(0.0, 6.0), high=8.0)], F.relu6 if F else None),
    case("celu", lambda a: ops.celu(a, 0.7), [S], lambda a: F.celu(a, 0.7)),
    case("glu", ops.glu, [(3, 4)], F.glu if F else None),
    case("hard_shrink", ops.hard_shrink, [away_from(*S, points=(-0.5, 0.5))], F.hardshrink if F else None),
    case("hard_silu", ops.hard_silu, [away_from(*S, points=(-3.0, 3.0), low=-4, high=4)],
         F.hardswish if F else None),
    case("hard_tanh", ops.hard_tanh, [away_from(*S, points=(-1.0, 1.0))], F.hardtanh if F else None),
    case("log_sigmoid", ops.log_sigmoid, [S], F.logsigmoid if F else None),
    case("soft_shrink", ops.soft_shrink, [away_from(*S, points=(-0.5, 0.5))], F.softshrink if F else None),
    case("sparse_plus", ops.sparse_plus, [away_from(*S, points=(-1.0, 1.0))],
         lambda a: torch.where(a <= -1, 0 * a, torch.where(a >= 1, a, (a + 1) ** 2 / 4))),
    case("sparse_sigmoid", ops.sparse_sigmoid, [away_from(*S, points=(-1.0, 1.0))],
         lambda a: torch.clamp((a + 1) / 2, 0, 1)),
    case("squareplus", ops.squareplus, [S], lambda a: (a + torch.sqrt(a * a + 4)) / 2),
    case("tanh_shrink", ops.tanh_shrink, [S], F.tanhshrink if F else None),
    case("threshold", lambda a: ops.threshold(a, 0.3, -1.0), [away_from(*S, points=(0.3,))],
         lambda a: F.threshold(a, 0.3, -1.0)),
    case("sparsemax", ops.sparsemax, [distinct(3, 4)], _sparsemax_torch),
    case("moments", lambda a: ops.moments(a, axes=[0]), [S], lambda a: (a.mean(0), a.var(0, unbiased=False))),
    case("normalize", ops.normalize, [S], lambda a: F.normalize(a, dim=-1, eps=1e-7)),
    case("rms_normalization", lambda a, s: ops.rms_normalization(a, s), [S, (4,)],
         lambda a, s: F.rms_norm(a, (4,), s, 1e-7)),
    case("psnr", lambda a, b: ops.psnr(a, b, 2.0), [S, S],
         lambda a, b: 20 * np.log10(2.0) - 10 * torch.log10(((a - b) ** 2).mean())),
    case("dot_product_attention", lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=True),
         [(1, 3, 2, 4), (1, 3, 1, 4), (1, 3, 1, 4)],
         lambda q, k, v: F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                                        is_causal=True, enable_gqa=True).transpose(1, 2)),
    case("depth_to_space", lambda a: ops.depth_to_space(a, 2, "channels_first"), [(1, 8, 2, 3)],
         lambda a: a.reshape(1, 2, 2, 2, 2, 3).permute(0, 3, 4, 1, 5, 2).reshape(1, 2, 4, 6)),  # TF's order
    case("space_to_depth", lambda a: ops.space_to_depth(a, 2, "channels_first"), [(1, 2, 4, 6)],
         lambda a: a.reshape(1, 2, 2, 2, 3, 2).permute(0, 3, 5, 1, 2, 4).reshape(1, 8, 2, 3)),
    case("adaptive_average_pool", lambda a: ops.adaptive_average_pool(a, (2, 3), "channels_first"),
         [(1, 2, 5, 7)], lambda a: F.adaptive_avg_pool2d(a, (2, 3))),
    case("adaptive_max_pool", lambda a: ops.adaptive_max_pool(a, (2, 3), "channels_first"), [distinct(1, 2, 5, 7)],
         lambda a: F.adaptive_max_pool2d(a, (2, 3))),
    case("separable_conv", lambda x, d, p: ops.separable_conv(x, d, p), [(1, 5, 5, 2), (3, 3, 2, 2), (1, 1, 4, 3)],
         lambda x, d, p: F.conv2d(F.conv2d(x.permute(0, 3, 1, 2), d.permute(2, 3, 0, 1).reshape(4, 1, 3, 3),
                                           groups=2), p.permute(3, 2, 0, 1)).permute(0, 2, 3, 1)),
    case("unfold", lambda a: ops.unfold(a, (2, 3), padding=1, stride=2), [(1, 2, 5, 4)],
         lambda a: F.unfold(a, (2, 3), padding=1, stride=2)),
    case("fold", lambda a: ops.fold(a, (5, 4), (2, 3), padding=1, stride=2), [(1, 12, 6)],
         lambda a: F.fold(a, (5, 4), (2, 3), padding=1, stride=2)),
    case("rearrange", lambda a: ops.rearrange(a, "b (h p) c -> b h (p c)", p=2), [(2, 4, 3)],
         lambda a: a.reshape(2, 2, 2, 3).reshape(2, 2, 6)),
    case("extract_sequences", lambda a: ops.extract_sequences(a, 3, 2), [(2, 7)], lambda a: a.unfold(-1, 3, 2)),
    case("segment_sum", lambda a: ops.segment_sum(a, np.array([1, 0, 1]), 3), [(3, 2)],
         lambda a: torch.zeros(3, 2, dtype=a.dtype).index_add(0, torch.tensor([1, 0, 1]), a)),
    case("saturate_cast", lambda a: ops.saturate_cast(a, a.dtype), [S], lambda a: a),
    # --- control flow records into the graph
    case("cond", lambda a: ops.cond(True, lambda: a * 2, lambda: a), [S], lambda a: a * 2),
    case("switch", lambda a: ops.switch(5, [lambda x: x, lambda x: x * x], a), [S], lambda a: a * a),
    case("scan", lambda a: ops.scan(lambda c, x: (c * x + 1.0, c), a[0] * 0 + 1.0, a)[1], [(3, 2)],
         lambda a: torch.stack([torch.ones(2), a[0] + 1, (a[0] + 1) * a[1] + 1])),
    case("fori_loop", lambda a: ops.fori_loop(0, 3, lambda i, v: v * a + i, a), [S],
         lambda a: ((a * a) * a + 1) * a + 2),
    case("while_loop", lambda a: ops.while_loop(lambda v, i: i < 2, lambda v, i: (v * a, i + 1), (a, 0))[0], [S],
         lambda a: a * a * a),
    case("map", lambda a: ops.map(lambda r: ops.sum(r * r), a), [S], lambda a: (a * a).sum(1)),
    case("vectorized_map", lambda a: ops.vectorized_map(lambda r: r[::-1], a), [S], lambda a: a.flip(1)),
    case("associative_scan", lambda a: ops.associative_scan(lambda x, y: x * y, a, axis=1), [S],
         lambda a: torch.cumprod(a, 1)),
    # --- image ops built from differentiable pieces
    case("rgb_to_grayscale", ops.image.rgb_to_grayscale, [(1, 3, 2, 3)],
         lambda a: (a * torch.tensor([0.2989, 0.5870, 0.1140])).sum(-1, keepdim=True)),
    case("rgb_to_hsv", ops.image.rgb_to_hsv, [distinct(1, 2, 2, 3, low=0.05, high=0.95)], None,
         torch_skip="torch has no HSV conversion (checked against Keras in test_keras_ops_parity)"),
    case("hsv_to_rgb", ops.image.hsv_to_rgb, [uniform(1, 2, 2, 3, low=0.05, high=0.95)], None,
         torch_skip="torch has no HSV conversion (checked against Keras in test_keras_ops_parity)"),
    case("pad_images", lambda a: ops.image.pad_images(a, 1, 0, 2, 1), [(1, 2, 3, 2)],
         lambda a: F.pad(a, (0, 0, 0, 1, 1, 2))),
    case("crop_images", lambda a: ops.image.crop_images(a, 1, 1, target_height=2, target_width=2), [(1, 4, 4, 2)],
         lambda a: a[:, 1:3, 1:3]),
    case("extract_patches", lambda a: ops.image.extract_patches(a, 2, 1), [(1, 3, 3, 2)],
         lambda a: a.unfold(1, 2, 1).unfold(2, 2, 1).permute(0, 1, 2, 4, 5, 3).reshape(1, 2, 2, 8)),
    case("extract_patches_3d", lambda a: ops.image.extract_patches_3d(a, 2, 1), [(1, 2, 3, 2, 1)],
         lambda a: a.unfold(1, 2, 1).unfold(2, 2, 1).unfold(3, 2, 1).permute(0, 1, 2, 3, 5, 6, 7, 4)
         .reshape(1, 1, 2, 1, 8)),
    case("gaussian_blur", lambda a: ops.image.gaussian_blur(a, (3, 3), (1.0, 1.0)), [(1, 4, 5, 2)],
         lambda a: F.conv2d(a.permute(0, 3, 1, 2), _gauss_torch().expand(2, 1, 3, 3), padding=1, groups=2)
         .permute(0, 2, 3, 1)),
    case("sobel_edges", ops.image.sobel_edges, [(1, 4, 5, 1)],
         lambda a: torch.stack([F.conv2d(F.pad(a.permute(0, 3, 1, 2), (1, 1, 1, 1), mode="reflect"), k)
                                for k in _sobel_torch()], -1).permute(0, 2, 3, 1, 4)),
    case("ssim", lambda a, b: ops.image.ssim(a, b, filter_size=3), [positive(1, 4, 4, 1), positive(1, 4, 4, 1)],
         None, torch_skip="torch has no SSIM (checked against Keras in test_keras_ops_parity)"),
]
_ = (const, T)


def _gauss_torch():
    g = torch.exp(-(torch.arange(3.0) - 1) ** 2 / 2)
    g = g / g.sum()
    return torch.outer(g, g).reshape(1, 1, 3, 3)


def _sobel_torch():
    ky = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
    return [ky.reshape(1, 1, 3, 3), ky.T.reshape(1, 1, 3, 3)]
