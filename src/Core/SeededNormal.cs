namespace Autoencoder.Core;

/// <summary>
/// Standard normal draws from a seeded <see cref="Random"/> alone, so a seed repeats them on every machine: Box–Muller,
/// the second value of each pair not kept, so each draw takes two uniforms.
/// </summary>
internal static class SeededNormal
{
    public static double Next(Random random)
    {
        var uniform = 1.0 - random.NextDouble(); // (0, 1]: the logarithm stays finite
        var angle = 2.0 * Math.PI * random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(uniform)) * Math.Cos(angle);
    }
}
