"""Transfer functions: the Brian2 expression and the NumPy function are the same phi."""

from __future__ import annotations

import numpy as np
import pytest

from brian_dendrites import Logistic, SoftRectifier


def _evaluate(expression: str, u: np.ndarray) -> np.ndarray:
    return eval(expression, {"exp": np.exp, "log": np.log, "abs": np.abs, "u": u})  # noqa: S307


@pytest.mark.parametrize("phi", [Logistic(), SoftRectifier(), SoftRectifier(gamma=1.0, beta=2.0, theta=0.0)])
def test_expression_derivative_and_inverse_agree(phi):
    u = np.linspace(-30, 30, 601)
    # log(1 + exp(-|z|)) is exact to double precision in absolute terms (no log1p in Brian2).
    np.testing.assert_allclose(_evaluate(phi.expression("u"), u), phi(u), rtol=1e-12, atol=1e-15)
    h = 1e-6
    np.testing.assert_allclose(phi.derivative(u), (phi(u + h) - phi(u - h)) / (2 * h), rtol=1e-5, atol=1e-8)
    inner = np.linspace(-10, 10, 41)
    np.testing.assert_allclose(phi.inverse(phi(inner)), inner, atol=1e-7)


def test_soft_rectifier_is_the_papers_formula_and_does_not_overflow():
    phi = SoftRectifier(gamma=0.1, beta=1.0, theta=3.0)
    u = np.array([-5.0, 0.0, 3.0, 10.0])
    np.testing.assert_allclose(phi(u), 0.1 * np.log1p(np.exp(u - 3.0)))
    assert np.isfinite(_evaluate(phi.expression("u"), np.array([1e4]))).all()


def test_bad_transfer_parameters_are_rejected():
    with pytest.raises(ValueError, match="gamma"):
        SoftRectifier(gamma=0.0)
    with pytest.raises(ValueError, match="open interval"):
        Logistic().inverse(np.array([1.0]))
