"""scikit-learn, imported once and optionally: the base classes the wrappers derive from.

scikit-learn is the optional extra ``neuroflow[sklearn]``. Without it the wrapper classes still exist (so that
``import neuroflow.wrappers`` works) but constructing one raises an ImportError that says how to install it.
"""
try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # placeholders: the wrappers' __init__ raises the install hint before any of these matter
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass

__all__ = ["sklearn", "BaseEstimator", "ClassifierMixin", "RegressorMixin", "TransformerMixin", "require_sklearn"]


def require_sklearn(owner: str) -> None:
    """Raise ImportError with the install command when scikit-learn is missing."""
    if sklearn is None:
        raise ImportError(f"{owner} needs scikit-learn, which is not installed: pip install 'neuroflow[sklearn]' "
                          f"(or pip install scikit-learn)")


def validate_data(estimator, *args, **kwargs):
    """scikit-learn's input validation (``validate_data`` since 1.6, the estimator method before): checks X
    (and y), sets ``n_features_in_``/``feature_names_in_`` with ``reset=True`` and checks them otherwise."""
    try:
        from sklearn.utils.validation import validate_data as _validate
    except ImportError:  # scikit-learn < 1.6
        return estimator._validate_data(*args, **kwargs)
    return _validate(estimator, *args, **kwargs)
