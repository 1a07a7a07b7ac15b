"""The devices wing below the runner (:mod:`brian_dendrites.simulation`): what a standalone build needs.

- :mod:`~brian_dendrites.devices.cache`: the build cache, the digest of a project's sources, the locks;
- :mod:`~brian_dendrites.devices.toolchain`: compiler flags, the precompiled header, cuRAND, compiling;
- :mod:`~brian_dendrites.devices.prefs`: Brian2's preferences set for a build and restored after it;
- :mod:`~brian_dendrites.devices.standalone`: a fresh standalone device, the build record, the active build.

The wing knows no model and never imports the runner.
"""

__all__: list[str] = []
