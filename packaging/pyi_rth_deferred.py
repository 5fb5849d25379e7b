# Runtime hook of the frozen app (see build.spec, "deferred runtime hooks"): PyInstaller's own
# runtime hooks for PySide6, inspect, pkgutil and multiprocessing run when their module is first
# imported, not at every start. The PySide6 one imports PySide6.QtCore (Qt's libraries, some
# 100 ms of CPU), and the others import their modules, which ``arbdesk --version`` and
# ``arbdesk panic`` never need.
#
# build.spec prepends ``_DEFERRED = {module: [(hook name, hook source), ...]}`` (the installed
# PyInstaller's hooks, verbatim) and drops those hooks from the start-up scripts. Each hook only
# patches or configures the module it is keyed on (rthooks.dat), so running it right after that
# module has executed, before anyone else can use it, is what it did at start for every caller.

_DEFERRED: "dict[str, list[tuple[str, str]]]"  # assigned above this file by build.spec


def _pyi_rth_deferred() -> None:
    import sys

    deferred = _DEFERRED  # noqa: F821

    def run(name: str) -> None:
        for hook_name, source in deferred.pop(name, ()):
            # PyInstaller runs its hooks' sources the same way; these are build-time constants.
            exec(compile(source, hook_name, "exec"), {"__name__": hook_name})  # noqa: S102

    for name in [name for name in deferred if name in sys.modules]:
        run(name)
    if not deferred:
        return

    class _Loader:
        """The real loader's stand-in for one import: runs the hooks once the module ran."""

        def __init__(self, name: str, real: object) -> None:
            self._name = name
            self._real = real

        def __getattr__(self, attr: str) -> object:
            return getattr(self._real, attr)

        def create_module(self, spec: object) -> object:
            return self._real.create_module(spec)  # type: ignore[attr-defined]

        def exec_module(self, module: object) -> None:
            module.__spec__.loader = self._real  # type: ignore[attr-defined]
            module.__loader__ = self._real  # type: ignore[attr-defined]
            self._real.exec_module(module)  # type: ignore[attr-defined]
            run(self._name)

    class _Finder:
        """First on ``sys.meta_path`` while hooks wait; finds nothing itself."""

        @staticmethod
        def find_spec(fullname: str, path: object = None, target: object = None) -> object:
            if fullname not in deferred:
                return None
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                if finder is _Finder or find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
            else:
                return None
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _Loader(fullname, spec.loader)
            return spec

    sys.meta_path.insert(0, _Finder)  # type: ignore[arg-type]


_pyi_rth_deferred()
del _pyi_rth_deferred
