"""Finding the app: `module:callable`, `module` (meaning
`module:application`), `module:obj.attr` and `module:factory(args)` with
literal arguments, as gunicorn's util.import_app does. Errors become
AppLoadError with the one line xgi prints, plus the app's traceback when the
failure happened inside the app's own code.
"""
import ast
import importlib
import sys
import traceback


class AppLoadError(Exception):
    def __init__(self, line, details=""):
        super().__init__(line)
        self.line = line
        self.details = details


def _parse_target(module_name, expression):
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        raise AppLoadError("Failed to parse %r as an attribute name or function call." % expression) from None
    args, kwargs, is_call = [], {}, False
    if isinstance(node, ast.Call):
        is_call = True
        try:
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
        except ValueError:
            raise AppLoadError("Failed to parse arguments as literal values: %r." % expression) from None
        node = node.func
    path = []
    while isinstance(node, ast.Attribute):
        path.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise AppLoadError("Failed to parse %r as an attribute name or function call." % expression)
    path.append(node.id)
    return list(reversed(path)), is_call, args, kwargs


def load_app(spec):
    module_name, sep, expression = spec.partition(":")
    if not sep:
        expression = "application"
    if not module_name:
        raise AppLoadError("No module given in %r: use MODULE:CALLABLE, e.g. wsgi:app." % spec)
    path, is_call, args, kwargs = _parse_target(module_name, expression)
    module = _import(module_name)
    app = module
    for name in path:
        try:
            app = getattr(app, name)
        except AttributeError:
            raise AppLoadError("Failed to find attribute %r in %r." % (name, module_name)) from None
    if is_call:
        try:
            app = app(*args, **kwargs)
        except Exception:
            raise AppLoadError("Error calling the application factory %r." % expression,
                               traceback.format_exc()) from None
    if app is None:
        raise AppLoadError("Failed to find application object: %r." % expression)
    if not callable(app):
        raise AppLoadError("Application object must be callable.")
    return app


def _import(module_name):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        # The module itself is missing: one line is enough. A missing import
        # inside the app's own code needs its traceback.
        if e.name is not None and (module_name == e.name or module_name.startswith(e.name + ".")):
            raise AppLoadError("Failed to import %r: %s (check the module name, --pythonpath and --chdir)."
                               % (module_name, e)) from None
        raise AppLoadError("Failed to import %r: %s" % (module_name, _one_line(e)), traceback.format_exc()) from None
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        raise AppLoadError("Failed to import %r: %s" % (module_name, _one_line(e)), traceback.format_exc()) from None


def _one_line(e):
    return "%s: %s" % (type(e).__name__, e)


def insert_paths(paths):
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
