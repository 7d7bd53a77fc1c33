namespace Autoencoder.Training.Cli;

/// <summary>The command line asks for something that cannot be done; the message says what to change.</summary>
internal sealed class UsageException(string message) : Exception(message);
