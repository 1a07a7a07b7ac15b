"""An empty output folder (``--out ""``, ``out=""``) is refused by every protocol: it meant the current one."""

from __future__ import annotations

import pytest

from brian_dendrites import ParameterError
from brian_dendrites.cli import parser
from brian_dendrites.protocols.attention import AttentionConfig
from brian_dendrites.protocols.bars import BarsConfig
from brian_dendrites.protocols.depth import DepthConfig
from brian_dendrites.protocols.fig1 import Fig1Config
from brian_dendrites.protocols.mnist import TrainConfig
from brian_dendrites.protocols.regression import RegressionConfig


@pytest.mark.parametrize("command", [["bars"], ["regression"], ["fig1"], ["depth"], ["attention"], ["mnist", "train"]])
def test_the_command_line_refuses_an_empty_out(command, capsys):
    # The parser that main uses, alone: before the fix it accepted "" and main would have run in the current folder.
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([*command, "--out", ""])
    assert exit_.value.code == 2
    assert "argument --out: must be a folder path, got an empty one ('')" in capsys.readouterr().err


@pytest.mark.parametrize(
    "record", [BarsConfig, RegressionConfig, Fig1Config, DepthConfig, AttentionConfig, TrainConfig]
)
def test_the_records_refuse_an_empty_out(record):
    with pytest.raises(ParameterError, match=r"out must be a folder path, got an empty one \(''\)"):
        record(out="")
    with pytest.raises(ParameterError, match=r"out must be a folder path \(str or os.PathLike\), got int"):
        record(out=3)
