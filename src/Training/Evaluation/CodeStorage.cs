namespace Autoencoder.Training.Evaluation;

/// <summary>How a code (a latent, PCA coefficients) is stored: its bytes per number.</summary>
internal enum CodeStorage
{
    Float32,
    Float16,
    Int8,
}

/// <summary>
/// Int8 storage with one scale for a whole model: a value is stored as round(value / scale), clamped to -127..127.
/// The scale is chosen on the training images' codes, never the test ones: the largest magnitude among them over
/// 127, so no training value clips and a test value beyond it is clamped.
/// </summary>
internal sealed record Int8Quantizer(float Scale)
{
    public const int Levels = 127;

    public static Int8Quantizer FromTrainingCodes(ReadOnlySpan<float> codes)
    {
        var largest = 0f;
        foreach (var value in codes)
        {
            if (!float.IsFinite(value))
            {
                throw new InvalidDataException("a training code is not a finite number");
            }

            largest = Math.Max(largest, Math.Abs(value));
        }

        return new Int8Quantizer(largest > 0 ? largest / Levels : 1f);
    }

    public sbyte Quantize(float value) => (sbyte)Math.Clamp(MathF.Round(value / Scale, MidpointRounding.ToEven), -Levels, Levels);

    public float Dequantize(sbyte stored) => stored * Scale;
}

internal static class CodeStorageExtensions
{
    public static int BytesPerNumber(this CodeStorage storage) => storage switch
    {
        CodeStorage.Float32 => 4,
        CodeStorage.Float16 => 2,
        CodeStorage.Int8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, null),
    };

    public static string Label(this CodeStorage storage) => storage.ToString().ToLowerInvariant();

    /// <summary>The codes as they come back after being stored this way (int8 needs its quantizer).</summary>
    public static float[] RoundTrip(this CodeStorage storage, float[] codes, Int8Quantizer int8)
    {
        var stored = new float[codes.Length];
        for (var i = 0; i < codes.Length; i++)
        {
            stored[i] = storage switch
            {
                CodeStorage.Float32 => codes[i],
                CodeStorage.Float16 => (float)(Half)codes[i],
                CodeStorage.Int8 => int8.Dequantize(int8.Quantize(codes[i])),
                _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, null),
            };
        }

        return stored;
    }
}
