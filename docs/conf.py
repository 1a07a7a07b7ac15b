"""Sphinx configuration: Markdown pages (MyST), an API reference from numpydoc docstrings, a gallery of examples/."""

import dataclasses
import sys
from importlib.metadata import version as _version

project = "brian_dendrites"
author = "brian_dendrites developers"
release = _version("brian_dendrites")
version = release

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc", "sphinx_gallery.gen_gallery"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
# Equations as $$ ... $$ blocks (numbered as in the papers with \tag{n}) and amsmath environments.
myst_enable_extensions = ["dollarmath", "amsmath"]

# The gallery runs every script in examples/, two at a time (joblib), and shows its output and figures.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "write_computation_times": False,
    "min_reported_time": 1,
    "parallel": 2,
}

# The API reference documents what each module's __all__ exports, in source order.
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": True}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
# Fail the build (with -W) when a public function's parameters are missing from its docstring.
numpydoc_validation_checks = {"PR01", "PR02", "PR03"}
# The protocols' contract hooks are documented once, by brian_dendrites.protocols.registry.Contract.
numpydoc_validation_exclude = {
    r"\.protocols\.[\w.]+\.(add_arguments|config_from_args|check|write|summary)$",
    r"\.protocols\.mnist\.(Train|Evaluate)\.run$",
}

html_theme = "alabaster"
html_static_path: list[str] = []


def _default_text(value: object, module: str) -> str:
    """A default as a signature shows it: a record's module constant by name (``FIG1``), else its repr."""
    if dataclasses.is_dataclass(value):
        for name, constant in vars(sys.modules[module]).items():
            if constant is value and name.isupper():
                return name
    return repr(value)  # Brian2 quantities: with their units, e.g. 0.8 * khertz


def _dataclass_signature(app, what, name, obj, options, signature, return_annotation):
    """Dataclass records show each field's default, calling ``default_factory`` where autodoc shows <factory>."""
    if what != "class" or not dataclasses.is_dataclass(obj) or signature is None:
        return None
    parts, keyword_only = [], False
    for f in dataclasses.fields(obj):
        if not f.init:
            continue
        if f.kw_only and not keyword_only:
            parts.append("*")
            keyword_only = True
        if f.default is not dataclasses.MISSING:
            parts.append(f"{f.name}={_default_text(f.default, obj.__module__)}")
        elif f.default_factory is not dataclasses.MISSING:
            parts.append(f"{f.name}={_default_text(f.default_factory(), obj.__module__)}")
        else:
            parts.append(f.name)
    return f"({', '.join(parts)})", return_annotation


def setup(app):
    app.connect("autodoc-process-signature", _dataclass_signature)
