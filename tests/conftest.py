"""Test-session setup shared by every test file."""
from dpviz.settings import mirror_dir

# DPVIZ_DATA may be relative to where the tests were started (`DPVIZ_DATA=../x make test`);
# notebook kernels and subprocesses run in other folders, so make it absolute for all of them.
mirror_dir()
