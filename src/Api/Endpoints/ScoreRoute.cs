using Autoencoder.Api.Errors;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// POST /score: how unusual an image is to the model (its reconstruction error among the validation images', and for a
/// model with a scorer its novelty score), as JSON or a heat map; for an IDX file or a .npy array, every image's scores, or a grid of
/// their heat maps.
/// </summary>
public static class ScoreRoute
{
    /// <param name="call">The request, its model and the services.</param>
    /// <param name="threshold">The error above which an image is unusual (a finite number above 0); default: the model's validation 99th percentile.</param>
    public static async Task<Results<FileContentHttpResult, Ok<ScoreResponse>, Ok<BulkScoreResponse>>> Handle(
        [AsParameters] ImageCall call, [FromQuery(Name = "threshold")] string? threshold)
    {
        var model = call.ResolveModel();
        var limit = AnomalyScores.Threshold(model.Manifest, QueryValues.Threshold(threshold));
        if (BulkImageBodies.IsBulk(call.Request))
        {
            return ResponseFormat.Require(call.Request, BulkImageBodies.IsNpy(call.Request) ? "a .npy array" : "an IDX file", ResponseFormat.Json, ResponseFormat.Png) == ResponseFormat.Png
                ? await HeatMapGridAsync(call, model)
                : await ScoreFileAsync(call, model, limit);
        }

        return ResponseFormat.Require(call.Request, "an image", ResponseFormat.Png, ResponseFormat.Json) == ResponseFormat.Png
            ? await HeatMapAsync(call, model)
            : await ScoreImageAsync(call, model, limit);
    }

    /// <summary>The image's anomaly score.</summary>
    private static async Task<Ok<ScoreResponse>> ScoreImageAsync(ImageCall call, OnnxAutoencoder model, double threshold)
    {
        var input = await call.ReadImageAsync(model);
        var reconstruction = await call.Service.ReconstructAsync(model, input, call.CancellationToken);
        var result = AnomalyScores.Score(model.Manifest, reconstruction.MeanSquaredError, threshold);
        return TypedResults.Ok(new ScoreResponse(
            model.Name, result.MeanSquaredError, result.Percentile, result.Threshold, result.Unusual, AnomalyScores.Novelty(model.Scorer, reconstruction)));
    }

    /// <summary>The image's heat map: input, reconstruction and per-pixel error side by side.</summary>
    private static async Task<FileContentHttpResult> HeatMapAsync(ImageCall call, OnnxAutoencoder model)
    {
        var input = await call.ReadImageAsync(model);
        var reconstruction = await call.Service.ReconstructAsync(model, input, call.CancellationToken);
        return TypedResults.File(call.Images.ToHeatMap(reconstruction.Input, reconstruction.Image, model.Manifest.Image), ResponseFormat.Png);
    }

    /// <summary>
    /// Every image's reconstruction error, its percentile and whether it is above <paramref name="threshold"/>; for a
    /// model with a scorer, every image's novelty too.
    /// </summary>
    private static async Task<Ok<BulkScoreResponse>> ScoreFileAsync(ImageCall call, OnnxAutoencoder model, double threshold)
    {
        var cancellationToken = call.CancellationToken;
        call.Reserve(AnswerMemory.Body(call.Request, call.Limits.MaxBulkBodyBytes) + AnswerMemory.Window(model, AutoencoderService.WindowRows), "An IDX file to score");
        var body = await BulkImageBodies.OpenAsync(call, model);
        var count = body.Count;
        var manifest = model.Manifest;
        var pixels = model.PixelCount;
        List<AnomalyScore> scores;
        BulkNovelty? novelty;
        await using (body)
        {
            call.Reserve(AnswerMemory.Scores(count) + AnswerMemory.Novelty(model.Scorer, count), $"Scores of {count} images");
            scores = new List<AnomalyScore>(count);
            novelty = model.Scorer is { } scorer ? new BulkNovelty(scorer, count) : null;
            var windows = body.ReadWindowsAsync(manifest.Image, AutoencoderService.WindowRows, cancellationToken);
            await foreach (var window in call.Service.ReconstructWindowsAsync(model, windows, cancellationToken))
            {
                for (var row = 0; row < window.Rows; row++)
                {
                    var error = PixelValues.MeanSquaredError(window.Input.AsSpan(row * pixels, pixels), window.Output.AsSpan(row * pixels, pixels));
                    scores.Add(AnomalyScores.Score(manifest, error, threshold));
                }

                novelty?.Add(window, pixels, model.LatentSize, cancellationToken);
            }
        }

        return TypedResults.Ok(new BulkScoreResponse(
            model.Name,
            count,
            threshold,
            scores.Count(score => score.Unusual),
            [.. scores.Select(score => score.MeanSquaredError)],
            [.. scores.Select(score => score.Percentile)],
            [.. scores.Select(score => score.Unusual)],
            novelty?.ToVerdict()));
    }

    /// <summary>
    /// Every image's heat map in one grid, for at most <see cref="LimitsOptions.MaxHeatMapImages"/> images: the count is
    /// checked against it before the pixels are read.
    /// </summary>
    private static async Task<FileContentHttpResult> HeatMapGridAsync(ImageCall call, OnnxAutoencoder model)
    {
        var limits = call.Limits;
        call.Reserve(AnswerMemory.Body(call.Request, limits.MaxBulkBodyBytes), "A file of images for heat maps");
        await using var body = await BulkImageBodies.OpenAsync(call, model);
        var count = body.Count;
        if (count > limits.MaxHeatMapImages)
        {
            throw ClientInputException.TooLarge(
                $"A grid of heat maps holds at most {limits.MaxHeatMapImages} images and this {(body.MediaType == Npy.MediaType ? ".npy array" : "IDX file")} has {count}: send at most {limits.MaxHeatMapImages}, or ask for the scores as JSON (Accept: application/json).");
        }

        call.Reserve(AnswerMemory.HeatMapGrid(model, count), $"A grid of {count} heat maps");
        var inputs = await body.ReadModelInputAsync(model, call.CancellationToken);
        var reconstructions = AutoencoderService.ReconstructMany(model, inputs, count, call.CancellationToken);
        return TypedResults.File(call.Images.ToHeatMapGrid(inputs, reconstructions, count, model.Manifest.Image), ResponseFormat.Png);
    }
}
