"""Models as plugins: other packages register models through the entry-point group ``brian_dendrites.models``.

This is Python's standard mechanism for plugins (:mod:`importlib.metadata` entry points; see
docs/plugins.md). A package declares, in its pyproject.toml::

    [project.entry-points."brian_dendrites.models"]
    my_model = "my_package.my_model"

and the module it names registers its models when it is imported, with one line
``brian_dendrites.model.register(MyParams, MyModel())``, as the built-in models do. (An entry point
that names an object, ``"my_package.my_model:anything"``, imports that module the same way; nothing
is called.) The plugins load lazily, once per process: on the first call of
:func:`~brian_dendrites.model.registered_models` or :func:`~brian_dendrites.model.model_named`, when
:func:`~brian_dendrites.model.model_for` meets a record no model is registered for, and on
``brian-dendrites models``. A plugin that fails to import is reported in one line on stderr (the
logger ``brian_dendrites``) and skipped; every other model still works.
"""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points

__all__ = ["GROUP", "plugin_entry_points", "plugin_source", "loading", "load_all"]

#: The entry-point group of model plugins.
GROUP = "brian_dendrites.models"

_logger = logging.getLogger("brian_dendrites.plugins")
_loading: str | None = None  # the source of the plugin being imported, while it is
_loaded = False
_failure: BaseException | None = None  # a fatal error of the one load, raised again on every call


def plugin_entry_points() -> list[EntryPoint]:
    """The installed entry points of the group :data:`GROUP`, sorted by name.

    Returns
    -------
    list of importlib.metadata.EntryPoint
        One per plugin entry point of every installed distribution.
    """
    return sorted(entry_points(group=GROUP), key=lambda point: (point.name, point.value))


def plugin_source(point: EntryPoint) -> str:
    """Where a plugin's models come from, as ``brian-dendrites models`` shows it.

    Parameters
    ----------
    point : importlib.metadata.EntryPoint
        An entry point of the group :data:`GROUP`.

    Returns
    -------
    str
        ``'plugin <distribution> <version> (entry point <name>)'``.
    """
    dist = point.dist
    name, version = (dist.metadata["Name"], dist.version) if dist is not None else ("?", "?")
    return f"plugin {name} {version} (entry point {point.name})"


def loading() -> str | None:
    """The source of the plugin being imported now (its registrations are its models), or None.

    Returns
    -------
    str or None
        :func:`plugin_source` of the plugin that :func:`load_all` is importing; None outside.
    """
    return _loading


def load_all(fatal: tuple[type[BaseException], ...] = ()) -> None:
    """Import every plugin of :data:`GROUP`, once per process; later calls return at once.

    A plugin whose import raises is skipped, with one line on stderr naming it and its error.

    Parameters
    ----------
    fatal : tuple of exception classes, optional
        Errors that are not a broken plugin but a conflict (two models of one name): they propagate,
        from this call and every later one.

    Raises
    ------
    Exception
        An error of a ``fatal`` class raised by a plugin's import.
    """
    global _loading, _loaded, _failure
    if _failure is not None:
        raise _failure
    if _loaded:
        return
    _loaded = True
    for point in plugin_entry_points():
        _loading = plugin_source(point)
        try:
            point.load()
        except fatal as error:
            _failure = error
            raise
        except Exception as error:
            message = str(error).splitlines()[0] if str(error) else ""
            _logger.warning(
                "%s = %s failed to load, skipped: %s: %s", _loading, point.value, type(error).__name__, message
            )
        finally:
            _loading = None
