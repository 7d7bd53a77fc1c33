using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Autoencoder.Core;

/// <summary>
/// Where a model's codes lie, as a mixture of Gaussians over the latent space: what generation samples from. A
/// variational autoencoder's is the standard normal N(0, I) it was trained towards; a plain autoencoder's is fitted to
/// its training images' codes (one Gaussian, or a few). Written to model.json by the trainer.
/// </summary>
public sealed record LatentPrior
{
    public const string StandardNormalKind = "standard-normal";
    public const string GaussianKind = "gaussian";
    public const string GaussianMixtureKind = "gaussian-mixture";

    /// <summary>"standard-normal" (a VAE's N(0, I)), "gaussian" (one fitted Gaussian) or "gaussian-mixture".</summary>
    public required string Kind { get; init; }

    /// <summary>What the prior was fitted to, for the record ("codes of the 54,000 training images"); null for N(0, I).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FittedTo { get; init; }

    /// <summary>The mixture's components; their weights sum to 1. One component for a single Gaussian.</summary>
    public required IReadOnlyList<PriorComponent> Components { get; init; }

    /// <summary>The latent size every component's mean and covariance have.</summary>
    [JsonIgnore]
    public int LatentSize => Components[0].Mean.Count;

    /// <summary>N(0, I) over <paramref name="latentSize"/> dimensions.</summary>
    public static LatentPrior StandardNormal(int latentSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latentSize, 1);
        var covariance = new double[latentSize][];
        for (var i = 0; i < latentSize; i++)
        {
            covariance[i] = new double[latentSize];
            covariance[i][i] = 1;
        }

        return new LatentPrior
        {
            Kind = StandardNormalKind,
            Components = [new PriorComponent(1, new double[latentSize], covariance)],
        };
    }

    /// <summary>
    /// What is wrong with this prior for a model of <paramref name="latentSize"/>, or null when nothing is: no
    /// components, weights that are not positive or do not sum to 1, a mean or covariance of the wrong size, a
    /// covariance that is not symmetric positive definite.
    /// </summary>
    public string? Problem(int latentSize)
    {
        if (Components is not { Count: > 0 })
        {
            return "prior.components must hold at least one component";
        }

        var weights = 0.0;
        for (var index = 0; index < Components.Count; index++)
        {
            var component = Components[index];
            var where = $"prior.components[{index}]";
            if (!(component.Weight > 0) || !double.IsFinite(component.Weight))
            {
                return $"{where}.weight must be a positive number";
            }

            weights += component.Weight;
            if (component.Mean is null || component.Mean.Count != latentSize || component.Mean.Any(value => !double.IsFinite(value)))
            {
                return $"{where}.mean must hold {latentSize} finite numbers (the latent size)";
            }

            if (component.Covariance is null
                || component.Covariance.Count != latentSize
                || component.Covariance.Any(row => row is null || row.Count != latentSize || row.Any(value => !double.IsFinite(value))))
            {
                return $"{where}.covariance must be {latentSize}x{latentSize} finite numbers";
            }

            for (var row = 0; row < latentSize; row++)
            {
                for (var column = 0; column < row; column++)
                {
                    var a = component.Covariance[row][column];
                    var b = component.Covariance[column][row];
                    if (Math.Abs(a - b) > 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b))))
                    {
                        return $"{where}.covariance must be symmetric";
                    }
                }
            }

            if (Cholesky(component.Covariance) is null)
            {
                return $"{where}.covariance must be positive definite";
            }
        }

        return Math.Abs(weights - 1) > 1e-6 ? $"prior.components' weights must sum to 1, not {weights}" : null;
    }

    /// <summary>The lower-triangular L with L Lᵀ = <paramref name="covariance"/>, or null when it is not positive definite.</summary>
    /// <summary>
    /// Checks <paramref name="prior"/> (an <see cref="ArgumentException"/> says what is wrong) and gives each component's
    /// covariance factored once: the lower Cholesky factors that <see cref="LatentSampler"/> draws with and
    /// <see cref="LatentDensity"/> solves with.
    /// </summary>
    internal static double[][,] CheckedFactors(LatentPrior prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        if (prior.Components is not { Count: > 0 })
        {
            throw new ArgumentException("prior.components must hold at least one component", nameof(prior));
        }

        if (prior.Problem(prior.LatentSize) is { } problem)
        {
            throw new ArgumentException(problem, nameof(prior));
        }

        return [.. prior.Components.Select(component => Cholesky(component.Covariance)!)];
    }

    internal static double[,]? Cholesky(IReadOnlyList<IReadOnlyList<double>> covariance)
    {
        var size = covariance.Count;
        var lower = new double[size, size];
        for (var row = 0; row < size; row++)
        {
            for (var column = 0; column <= row; column++)
            {
                var sum = covariance[row][column];
                for (var k = 0; k < column; k++)
                {
                    sum -= lower[row, k] * lower[column, k];
                }

                if (row == column)
                {
                    if (!(sum > 0))
                    {
                        return null;
                    }

                    lower[row, row] = Math.Sqrt(sum);
                }
                else
                {
                    lower[row, column] = sum / lower[column, column];
                }
            }
        }

        return lower;
    }
}

/// <summary>One Gaussian of a <see cref="LatentPrior"/>: its share of the samples, its mean and its covariance (rows).</summary>
public sealed record PriorComponent(
    double Weight,
    [property: JsonConverter(typeof(NumberRowConverter))] IReadOnlyList<double> Mean,
    [property: JsonConverter(typeof(NumberRowsConverter))] IReadOnlyList<IReadOnlyList<double>> Covariance);

/// <summary>
/// Writes a list of numbers on one line even in indented JSON: a prior of 16 components over 20 dimensions is 350 lines
/// of model.json this way and 7,500 one number a line.
/// </summary>
internal sealed class NumberRowConverter : JsonConverter<IReadOnlyList<double>>
{
    public override IReadOnlyList<double>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<double[]>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<double> value, JsonSerializerOptions options) =>
        writer.WriteRawValue("[" + string.Join(", ", value.Select(number => number.ToString("R", CultureInfo.InvariantCulture))) + "]");
}

/// <summary>Writes a matrix one row a line (see <see cref="NumberRowConverter"/>).</summary>
internal sealed class NumberRowsConverter : JsonConverter<IReadOnlyList<IReadOnlyList<double>>>
{
    private static readonly NumberRowConverter Row = new();

    public override IReadOnlyList<IReadOnlyList<double>>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<double[][]>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<IReadOnlyList<double>> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var row in value)
        {
            Row.Write(writer, row, options);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// Draws codes from a <see cref="LatentPrior"/>, the same codes for the same seed on every machine and .NET version:
/// the generator is <see cref="Random"/> with a seed (its seeded algorithm is fixed), normals by Box–Muller, and the
/// arithmetic is done in double and rounded to float once.
/// </summary>
public sealed class LatentSampler
{
    private readonly LatentPrior prior;
    private readonly double[][,] lowerFactors;
    private readonly double[] cumulativeWeights;

    /// <summary>Checks the prior (an <see cref="ArgumentException"/> says what is wrong) and factors each covariance once.</summary>
    public LatentSampler(LatentPrior prior)
    {
        lowerFactors = LatentPrior.CheckedFactors(prior);
        this.prior = prior;
        cumulativeWeights = new double[prior.Components.Count];
        var total = prior.Components.Sum(component => component.Weight);
        var running = 0.0;
        for (var index = 0; index < cumulativeWeights.Length; index++)
        {
            running += prior.Components[index].Weight / total;
            cumulativeWeights[index] = running;
        }
    }

    public int LatentSize => prior.LatentSize;

    /// <summary>
    /// <paramref name="count"/> codes, row after row (count x latent size): each picks a component by weight and is
    /// its mean plus <paramref name="temperature"/> times a draw of its spread, so temperature 0 gives the component's
    /// mean and 1 the prior itself.
    /// </summary>
    public float[] Sample(int count, int seed, double temperature)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 0);
        var codes = new float[count * LatentSize];
        var draws = new Draws(this, seed, temperature);
        draws.Next(codes);
        return codes;
    }

    /// <summary>
    /// The codes <see cref="Sample"/> gives for the same <paramref name="count"/>, seed and temperature, in pieces of at
    /// most <paramref name="rows"/> codes, each drawn as it is asked for: a large sample never needs all its codes at once.
    /// </summary>
    public IEnumerable<float[]> SampleInPieces(int count, int seed, double temperature, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        var draws = new Draws(this, seed, temperature);
        for (var start = 0; start < count; start += rows)
        {
            var piece = new float[Math.Min(rows, count - start) * LatentSize];
            draws.Next(piece);
            yield return piece;
        }
    }

    /// <summary>One seeded stream of codes: the pieces it is asked for, one after another, are one sample.</summary>
    private sealed class Draws
    {
        private readonly LatentSampler sampler;
        private readonly double temperature;
        private readonly Random random;
        private readonly double[] normal;

        public Draws(LatentSampler sampler, int seed, double temperature)
        {
            if (!double.IsFinite(temperature) || temperature < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be a finite number >= 0");
            }

            this.sampler = sampler;
            this.temperature = temperature;
            random = new Random(seed);
            normal = new double[sampler.LatentSize];
        }

        /// <summary>Fills <paramref name="codes"/> with the next codes, row after row.</summary>
        public void Next(Span<float> codes)
        {
            var size = normal.Length;
            var cumulativeWeights = sampler.cumulativeWeights;
            for (var sample = 0; sample < codes.Length / size; sample++)
            {
                var pick = random.NextDouble();
                var componentIndex = Array.FindIndex(cumulativeWeights, bound => pick < bound);
                if (componentIndex < 0)
                {
                    componentIndex = cumulativeWeights.Length - 1;
                }

                for (var i = 0; i < size; i++)
                {
                    normal[i] = SeededNormal.Next(random);
                }

                var component = sampler.prior.Components[componentIndex];
                var lower = sampler.lowerFactors[componentIndex];
                for (var row = 0; row < size; row++)
                {
                    var spread = 0.0;
                    for (var k = 0; k <= row; k++)
                    {
                        spread += lower[row, k] * normal[k];
                    }

                    codes[(sample * size) + row] = (float)(component.Mean[row] + (temperature * spread));
                }
            }
        }
    }
}
