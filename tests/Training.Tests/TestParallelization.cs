// TorchSharp's random generator and thread count are process-wide, as in PyTorch: a trainer seeds the one generator
// and draws from it all run long. The CLI runs one training per process; the tests share one process, so their
// classes run one at a time, or one class's draws would land in another's seeded run.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
