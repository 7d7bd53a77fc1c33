using Autoencoder.Core;

namespace Autoencoder.Training.Data;

/// <summary>How training images may be varied each batch; which ones suit depends on the data set.</summary>
internal enum Augmentation
{
    None,

    /// <summary>Roll the whole batch by up to one pixel in x and y, wrapping: harmless where borders are empty (MNIST).</summary>
    Shift,

    /// <summary>Mirror half the images left to right: for objects that look the same mirrored, which still fill the frame.</summary>
    Flip,
}

/// <summary>
/// What a data set implies when the command line does not say: MNIST's digits have empty borders, so a wrapping
/// shift is free augmentation and uploads want MNIST's own digit centring; anything else (Fashion-MNIST's items
/// touch the edges, a folder of pictures is unknown) is neither shifted nor centred, but fitted to the frame.
/// </summary>
internal static class DatasetConventions
{
    public static Augmentation DefaultAugmentation(string datasetName) =>
        IsMnistDigits(datasetName) ? Augmentation.Shift : Augmentation.None;

    /// <summary>MNIST's digit centring for gray MNIST digits; fit for anything else, colour digits included (the centring is for gray ink).</summary>
    public static ImageHandling DefaultImageHandling(string datasetName, int channels) =>
        channels == 1 && IsMnistDigits(datasetName) ? ImageHandling.MnistDigit : ImageHandling.Fit;

    public static string Describe(Augmentation augmentation) => augmentation switch
    {
        Augmentation.Shift => "random wrap-around shift of each batch by up to 1 pixel in x and y",
        Augmentation.Flip => "random left-right mirror of each image",
        _ => "none",
    };

    private static bool IsMnistDigits(string datasetName) =>
        datasetName.Equals("mnist", StringComparison.OrdinalIgnoreCase) || datasetName.StartsWith("mnist-", StringComparison.OrdinalIgnoreCase);
}
