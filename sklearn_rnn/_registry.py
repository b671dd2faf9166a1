"""The estimator classes that :func:`sklearn_rnn.load` may rebuild, by name.

Each of the package's estimators registers itself with the class decorator
:func:`register_estimator`, in its own module; :mod:`sklearn_rnn.persistence`
reads :data:`ESTIMATORS` and imports no estimator, so that neither knows of
the other. Every estimator module is imported by the package root, which
Python imports before any of its submodules (``sklearn_rnn.persistence``
included): the registry is complete before ``load`` can run.

What an estimator saves is declared on its class: ``_saved_attributes`` maps
the fitted attributes that a file must hold to their types, and
:func:`saved_attributes` merges a class's declaration with those of its
bases (``BaseSequenceEstimator`` declares the common ones). A file may hold
more fitted attributes than these (every one the estimator has is saved);
the declared ones must be there, with their types.

This module is a leaf: it imports nothing of the package.
"""

__all__ = ["ESTIMATORS", "register_estimator", "saved_attributes"]

#: The registered estimator classes, by class name.
ESTIMATORS = {}


def register_estimator(cls):
    """Class decorator: let :func:`sklearn_rnn.load` rebuild ``cls`` by name.

    Parameters
    ----------
    cls : type
        An estimator class that declares ``_saved_attributes`` in its own
        body (a dict, possibly empty, of fitted attribute names to types).

    Returns
    -------
    cls : type
        Unchanged.

    Raises
    ------
    ValueError
        When ``cls`` declares no ``_saved_attributes`` of its own, or another
        class is registered under its name.
    """
    if not isinstance(vars(cls).get("_saved_attributes"), dict):
        raise ValueError(
            f"{cls.__qualname__} must declare _saved_attributes, a dict of the fitted "
            "attributes its files hold (beyond its bases') to their types, to be registered."
        )
    registered = ESTIMATORS.get(cls.__name__)
    if registered is not None and _qualified_name(registered) != _qualified_name(cls):
        raise ValueError(
            f"Cannot register {_qualified_name(cls)}: {_qualified_name(registered)} is "
            f"registered as {cls.__name__!r}."
        )
    # The same class defined again (a reloaded module) replaces the old one.
    ESTIMATORS[cls.__name__] = cls
    return cls


def saved_attributes(cls):
    """The fitted attributes a file of ``cls`` must hold, with their types.

    Parameters
    ----------
    cls : type
        An estimator class.

    Returns
    -------
    attributes : dict of str to type or tuple of types
        The ``_saved_attributes`` of ``cls`` and of its bases, merged (a
        subclass's declaration wins).
    """
    merged = {}
    for klass in reversed(cls.__mro__):
        merged.update(vars(klass).get("_saved_attributes", {}))
    return merged


def _qualified_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"
