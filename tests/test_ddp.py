"""Distributed training: 2 Gloo processes on the CPU (torchrun) match one process' semantics.

The global batch (--batch-size) is split evenly across the processes, so an epoch has the same
number of optimizer steps as with one process and each step sees the same images. LeNet-5
(modern) has no batch norm, so its DDP-averaged gradient is the one-process gradient up to
floating-point summation order: the weights must agree closely, and across the two ranks exactly.
"""
import os
import subprocess
import sys

import torch

from cnncourse.cli import main

ARGS = ["train", "--model", "lenet5_modern", "--data", "digits", "--epochs", "2", "--batch-size", "128",
        "--lr", "0.05", "--device", "cpu", "--no-progress"]


def test_two_gloo_processes_agree_with_one(tmp_path, capsys):
    ddp_ckpt, one_ckpt = tmp_path / "ddp.pt", tmp_path / "one.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                           "-m", "cnncourse", *ARGS, "--checkpoint", str(ddp_ckpt)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 processes" in proc.stdout
    assert "weights synchronized across 2 processes" in proc.stdout  # checked by broadcast from rank 0
    assert proc.stdout.count("epoch   2/2") == 1  # only rank 0 reports

    assert main(ARGS + ["--checkpoint", str(one_ckpt)]) == 0
    capsys.readouterr()
    ddp, one = (torch.load(p, weights_only=True) for p in (ddp_ckpt, one_ckpt))
    assert ddp["world_size"] == 2 and one["world_size"] == 1
    assert ddp["step"] == one["step"] == 2 * (1437 // 128)  # same optimizer steps per epoch
    for key, value in one["model"].items():
        assert torch.allclose(ddp["model"][key], value, atol=1e-5, rtol=1e-4), key
    assert abs(ddp["history"]["train_loss"][-1] - one["history"]["train_loss"][-1]) < 1e-4
