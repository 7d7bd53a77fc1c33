using Autoencoder.Core;
using Autoencoder.Fuzz.Images;
using SharpFuzz;

return args switch
{
    [] => Fuzz(),
    ["--repro", .. var paths] when paths.Length > 0 => OutsideAflFuzz(() => Reproduce(paths)),
    ["--write-seeds", var mnistImagesGz, var outputDirectory] => OutsideAflFuzz(() => WriteSeeds(mnistImagesGz, outputDirectory)),
    _ => Usage(),
};

static int Fuzz()
{
    // Instrumented code may run only once SharpFuzz has attached afl-fuzz's coverage map, inside
    // Run: before that it writes through a null pointer. So the target is made on the first input.
    var target = new Lazy<ImageToTensorTarget>(() => new ImageToTensorTarget(ImageShape.Mnist));

    // Out of process: a hang or a crash that kills the runtime costs one restart, not the session.
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var input = new MemoryStream();
        stream.CopyTo(input);
        var bytes = input.GetBuffer().AsMemory(0, (int)input.Length);
        PngChecksums.Repair(bytes.Span);
        target.Value.Run(bytes);
    });
    return 0;
}

// Outside afl-fuzz, Fuzzer.Run lends instrumented code a scratch coverage map and runs its action
// once, so these commands work from the instrumented build in fuzz/out as well as from a plain one.
static int OutsideAflFuzz(Func<int> command)
{
    var exitCode = 0;
    Fuzzer.Run(_ => exitCode = command());
    return exitCode;
}

static int Reproduce(string[] paths)
{
    using var target = new ImageToTensorTarget(ImageShape.Mnist);
    return Reproduction.Run(target, paths);
}

static int WriteSeeds(string mnistImagesGz, string outputDirectory)
{
    foreach (var path in SeedWriter.Write(mnistImagesGz, outputDirectory))
    {
        Console.WriteLine($"{path} ({new FileInfo(path).Length} bytes)");
    }

    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        Usage:
          dotnet ImageFuzz.dll                                  run under afl-fuzz (input on stdin); see fuzz/run.sh
          dotnet ImageFuzz.dll --repro FILE_OR_DIRECTORY...     run inputs in-process and print what each one did
          dotnet ImageFuzz.dll --write-seeds MNIST_IDX_GZ DIR   write seed images from t10k-images-idx3-ubyte.gz
        """);
    return 2;
}
