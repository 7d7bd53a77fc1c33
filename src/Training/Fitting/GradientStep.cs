using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Fitting;

/// <summary>
/// One batch's forward and backward pass, with gradients that are finite or a run that stops. libtorch's CPU
/// convolution backward now and then gives NaN gradients from memory it has not written (see
/// <see cref="TorchAllocator"/>); the batch is then computed again on zeroed memory, from the same random state, which
/// gives the gradients a pass on clean memory gives. Gradients still non-finite after that are the run's own:
/// it diverged, and stops saying where instead of stepping NaN into the weights.
/// </summary>
internal static class GradientStep
{
    /// <summary>
    /// Zeroes the gradients, runs <paramref name="pass"/> (the batch's forward pass: its output and loss) and the
    /// backward pass; the output, the loss, and whether the batch had to be computed again. Tensors of a pass thrown
    /// away are left to the caller's dispose scope.
    /// </summary>
    public static (Tensor Output, Tensor Loss, bool Recomputed) Compute(
        optim.Optimizer optimizer, IReadOnlyList<Parameter> parameters, Func<(Tensor Output, Tensor Loss)> pass, string where)
    {
        using var randomState = get_rng_state();
        optimizer.zero_grad();
        var (output, loss) = pass();
        loss.backward();
        if (AllFinite(parameters))
        {
            return (output, loss, false);
        }

        using (TorchAllocator.ZeroFill())
        {
            set_rng_state(randomState);
            optimizer.zero_grad();
            (output, loss) = pass();
            loss.backward();
        }

        if (AllFinite(parameters))
        {
            return (output, loss, true);
        }

        var value = loss.item<float>();
        throw new TrainingDivergedException(
            $"training diverged at {where}: " + (float.IsFinite(value) ? $"the loss is {value:G5} but its gradients are not finite" : $"the loss is {value}") +
            "; try a lower learning rate (a vae: --recipe vae)");
    }

    /// <summary>Whether every gradient is finite (a parameter without one counts as finite), in one read from the device.</summary>
    public static bool AllFinite(IReadOnlyList<Parameter> parameters)
    {
        var sums = new List<Tensor>(parameters.Count);
        try
        {
            foreach (var parameter in parameters)
            {
                using var gradient = parameter.grad;
                if (gradient is not null)
                {
                    // A NaN or an infinity anywhere makes the sum non-finite; so does a sum that overflows, which is
                    // no gradient to step with either.
                    sums.Add(gradient.sum());
                }
            }

            if (sums.Count == 0)
            {
                return true;
            }

            using var stacked = stack(sums);
            using var finite = stacked.isfinite().all();
            return finite.item<bool>();
        }
        finally
        {
            foreach (var sum in sums)
            {
                sum.Dispose();
            }
        }
    }
}

/// <summary>A run whose loss or gradients went non-finite.</summary>
internal sealed class TrainingDivergedException(string message) : Exception(message);
