import subprocess
import sys

LINKAGE_MODULES = ["engine", "explain", "files", "incremental", "model", "prepare", "spark"]


def test_the_linkage_engine_imports_no_django():
    imports = "; ".join(f"import joinedup.index.linkage.{name}" for name in LINKAGE_MODULES)
    check = "import sys; assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"

    completed = subprocess.run([sys.executable, "-c", f"{imports}; {check}"], capture_output=True, text=True)

    assert completed.returncode == 0, completed.stderr
