"""The clinical core is plain Python: it imports without Django."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from clinical.tests.reference import REPO


def test_clinical_core_imports_without_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import sys, clinical as s, clinical.assessment, clinical.flags, clinical.inputs; "
        "assert not [m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework'}]; "
        "print(s.sins(location='T10', pain='mechanical', bone_lesion='lytic', alignment='normal', "
        "collapse='under_50', posterolateral='unilateral').total)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "9"
    for path in (REPO / "clinical").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+(django|rest_framework)", path.read_text(), re.M)
