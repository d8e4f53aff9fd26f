"""Builds the hardnets module with the project's CMake for `pip install .`.

The extension is the pybind11 target `hardnets_python` (python/CMakeLists.txt),
built in HARDNETS_BUILD_DIR if set (an existing build tree: nothing is rebuilt
that is up to date), else in build-pip/ beside this file, with ccache when it
is installed; the module is built for the interpreter running pip.
"""
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = os.path.dirname(os.path.abspath(__file__))


def cached_python(build_dir):
    """The interpreter an existing build tree was configured for, or None."""
    cache = os.path.join(build_dir, "CMakeCache.txt")
    if not os.path.exists(cache):
        return None
    for line in open(cache, encoding="utf-8"):
        if line.startswith("HARDNETS_PYTHON:"):
            return line.split("=", 1)[1].strip()
    return None


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("HARDNETS_BUILD_DIR") or os.path.join(SOURCE, "build-pip")
        build_dir = os.path.abspath(build_dir)
        python = os.path.realpath(sys.executable)
        args = ["cmake", "-S", SOURCE, "-B", build_dir, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"]
        configured = cached_python(build_dir)
        if configured is None:
            args += ["-DHARDNETS_BUILD_TESTS=OFF", "-DHARDNETS_BUILD_BENCH=OFF"]
            if shutil.which("ccache"):
                args.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        # A tree already configured for this interpreter is built as it is.
        if configured is None or os.path.realpath(configured) != python:
            args.append(f"-DHARDNETS_PYTHON={python}")
            subprocess.run(args, check=True)
        jobs = str(os.cpu_count() or 2)
        subprocess.run(["cmake", "--build", build_dir, "--target", "hardnets_python", "-j", jobs],
                       check=True)
        built = [f for f in os.listdir(os.path.join(build_dir, "python"))
                 if f.startswith("hardnets.") and f.endswith(".so")]
        if len(built) != 1:
            sys.exit(f"setup.py: expected one hardnets module in {build_dir}/python, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(build_dir, "python", built[0]), target)


setup(
    ext_modules=[Extension("hardnets", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": os.path.join("build-pip", "setuptools")},
             "egg_info": {"egg_base": "build-pip"}},
    py_modules=[],
    packages=[],
)
