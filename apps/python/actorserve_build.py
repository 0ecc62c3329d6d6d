"""The PEP 517 build backend of the actorserve-client distribution, in-tree
and standard library only, so that `pip install ./apps/python` needs no
network and no setuptools.

It builds:
- a wheel, actorserve_client-VERSION-py3-none-any.whl: the one module
  actorserve_client.py and its .dist-info (METADATA, WHEEL, RECORD with
  sha256 hashes);
- an sdist, actorserve_client-VERSION.tar.gz: this directory's three files
  and PKG-INFO;
- an editable wheel (PEP 660, `pip install -e`): a .pth file that puts this
  directory on sys.path.

The name, summary and required Python come from pyproject.toml's [project]
table; the version is actorserve_client.__version__; the long description
is the module's docstring. Archives are reproducible: every entry carries
SOURCE_DATE_EPOCH as its time (1980-01-01 when unset).
"""
import ast
import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = "actorserve_client"
SDIST_FILES = ("pyproject.toml", "actorserve_build.py", MODULE + ".py")

__all__ = ["build_wheel", "build_sdist", "build_editable", "get_requires_for_build_wheel",
           "get_requires_for_build_sdist", "get_requires_for_build_editable",
           "prepare_metadata_for_build_wheel", "prepare_metadata_for_build_editable"]


def _project():
    """pyproject.toml's [project] table."""
    path = os.path.join(HERE, "pyproject.toml")
    try:
        import tomllib  # Python 3.11
    except ImportError:
        tomllib = None
    if tomllib is not None:
        with open(path, "rb") as f:
            return tomllib.load(f)["project"]
    # Older Pythons: the table's `key = "string"` lines, all it needs here.
    project, section = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[project]":
                m = re.match(r'([A-Za-z-]+)\s*=\s*"([^"]*)"\s*$', line)
                if m:
                    project[m.group(1)] = m.group(2)
    return project


def _module():
    """(version, docstring) of the module, read without importing it."""
    with open(os.path.join(HERE, MODULE + ".py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    version = None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "__version__"):
            version = ast.literal_eval(node.value)
    if not version:
        raise RuntimeError(f"{MODULE}.py sets no __version__")
    return version, ast.get_docstring(tree) or ""


def _metadata():
    """(distribution name, version, METADATA text)."""
    project = _project()
    version, doc = _module()
    name = project["name"]
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {project.get('description', '')}",
        f"Requires-Python: {project.get('requires-python', '>=3.8')}",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Framework :: AsyncIO",
        "Description-Content-Type: text/plain",
        "",
        doc,
        "",
    ]
    return name, version, "\n".join(lines)


def _dist_info(name, version):
    return f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}.dist-info"


def _wheel_text(editable=False):
    return ("Wheel-Version: 1.0\n"
            f"Generator: actorserve_build{' (editable)' if editable else ''}\n"
            "Root-Is-Purelib: true\n"
            "Tag: py3-none-any\n")


def _epoch():
    """SOURCE_DATE_EPOCH, or 1980-01-01 (zip's earliest time)."""
    return max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800)


def _date_time():
    return time.gmtime(_epoch())[:6]


def _hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def _write_wheel(wheel_directory, files, editable=False):
    """Writes a wheel of `files` ({archive name: bytes}) plus its
    .dist-info; returns its file name."""
    name, version, metadata = _metadata()
    info = _dist_info(name, version)
    files = dict(files)
    files[f"{info}/METADATA"] = metadata.encode("utf-8")
    files[f"{info}/WHEEL"] = _wheel_text(editable).encode("ascii")
    files[f"{info}/top_level.txt"] = (MODULE + "\n").encode("ascii")
    record = "".join(f"{path},{_hash(data)},{len(data)}\n" for path, data in files.items())
    record += f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode("utf-8")
    filename = f"{info[:-len('.dist-info')]}-py3-none-any.whl"
    os.makedirs(wheel_directory, exist_ok=True)
    stamp = _date_time()
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w",
                         compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=stamp)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, data)
    return filename


def _module_bytes():
    with open(os.path.join(HERE, MODULE + ".py"), "rb") as f:
        return f.read()


def _prepare_metadata(metadata_directory, editable=False):
    name, version, metadata = _metadata()
    info = _dist_info(name, version)
    path = os.path.join(metadata_directory, info)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "METADATA"), "w", encoding="utf-8") as f:
        f.write(metadata)
    with open(os.path.join(path, "WHEEL"), "w", encoding="ascii") as f:
        f.write(_wheel_text(editable))
    with open(os.path.join(path, "top_level.txt"), "w", encoding="ascii") as f:
        f.write(MODULE + "\n")
    return info


# -- the PEP 517 and PEP 660 hooks --------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _prepare_metadata(metadata_directory)


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    return _prepare_metadata(metadata_directory, editable=True)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, {MODULE + ".py": _module_bytes()})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory,
                        {"__editable__." + MODULE + ".pth": (HERE + "\n").encode("utf-8")},
                        editable=True)


def build_sdist(sdist_directory, config_settings=None):
    name, version, metadata = _metadata()
    base = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
    filename = base + ".tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    entries = []
    for path in SDIST_FILES:
        with open(os.path.join(HERE, path), "rb") as f:
            entries.append((path, f.read()))
    entries.append(("PKG-INFO", metadata.encode("utf-8")))
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz",
                      format=tarfile.PAX_FORMAT) as tar:
        for path, data in entries:
            member = tarfile.TarInfo(f"{base}/{path}")
            member.size = len(data)
            member.mtime = _epoch()
            member.mode = 0o644
            tar.addfile(member, io.BytesIO(data))
    return filename
