"""No package of dpviz exports a name that hides one of its submodules.

``from dpviz.x.y import y`` in ``dpviz/x/__init__.py`` makes ``dpviz.x.y`` the function, and
``import dpviz.x.y; dpviz.x.y.helper`` then fails; that is how ``dp.draw`` once hid the
drawing package. Public functions keep their names, modules are named apart from them.
"""
import importlib
import pkgutil
import sys

import dpviz



def _packages():
    yield "dpviz"
    for info in pkgutil.walk_packages(dpviz.__path__, "dpviz."):
        if info.ispkg:
            yield info.name


def test_no_exported_name_hides_a_submodule():
    hidden = []
    for name in _packages():
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(package.__path__):
            full = f"{name}.{info.name}"
            importlib.import_module(full)
            attr = getattr(package, info.name)
            if info.name in getattr(package, "_LAZY", ()):
                attr = package.__getattr__(info.name)   # what the name gives before anything imported it
            if attr is not sys.modules[full]:
                hidden.append((name, info.name))
    assert not hidden, f"exported names that hide a submodule: {sorted(hidden)}"


def test_the_pictures_modules_resolve_as_modules():
    import dpviz.pictures.model

    assert dpviz.pictures.model.Diagram is dpviz.pictures.Diagram
    assert dpviz.pictures.renderer.render is dpviz.render and dpviz.pictures.api.draw is dpviz.draw
    import dpviz.widgets.explorer

    assert dpviz.widgets.explorer.explore is dpviz.explore
    import dpviz.tensors

    assert dpviz.tensors.tensor is dpviz.tensor and dpviz.gradchecker.gradcheck is dpviz.gradcheck
