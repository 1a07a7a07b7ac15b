"""Sphinx configuration: Markdown pages (MyST) and an API reference from numpydoc docstrings."""

from importlib.metadata import version as _version

project = "brian_dendrites"
author = "brian_dendrites developers"
release = _version("brian_dendrites")
version = release

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3

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
