"""The examples in the main seams' docstrings (Part, Hub, decide, FrameSource, StateStore, Session) run and give what they say."""

import doctest
import importlib

import pytest

# module -> the objects whose docstrings must hold an example (so that deleting one fails here, not silently)
SEAMS = {
    "device.core.parts": ("Part", "Hub"),
    "device.music.policy": ("decide",),
    "device.vision.sources": ("FrameSource",),
    "device.core.state": ("StateStore",),
    "device.runtime.session": ("Session",),
    "training.child_threshold": ("score",),
    "device.core.feedback": ("judge", "parse"),
    "device.core.history": ("PlayHistory",),
    "device.devtools.soak_figures": ("theil_sen",),
    "device.music.labelling": ("Labelling", "label_requests"),
    "device.music.scope": ("GenreScope",),
    "device.music.labels": ("labels",),
    "device.music.record": ("record",),
}


@pytest.mark.parametrize("module_name", sorted(SEAMS))
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    tests = {test.name.rsplit(".", 1)[-1]: test for test in finder.find(module) if test.examples}
    missing = [name for name in SEAMS[module_name] if name not in tests]
    assert not missing, f"{module_name}: no runnable example in the docstring of {', '.join(missing)}"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests.values():
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{module_name}: {result.failed} of {result.attempted} docstring examples failed (see above)"
