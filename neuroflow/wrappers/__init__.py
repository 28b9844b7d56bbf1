"""scikit-learn wrappers (Keras 3's ``keras.wrappers``): ``SKLearnClassifier``, ``SKLearnRegressor``,
``SKLearnTransformer`` turn a neuroflow model (or a function building one) into a scikit-learn estimator.

scikit-learn is the optional extra ``pip install 'neuroflow[sklearn]'``; it is imported when this package is,
and constructing a wrapper without it raises an ImportError saying how to install it.
"""
from .base import SKLBase
from .estimators import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer", "SKLBase"]
