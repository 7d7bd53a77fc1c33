using System.ComponentModel;
using System.Diagnostics;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>
/// An unshare command that runs a program as PID 1 of a new PID namespace, as a container does. Root may make one as
/// it is; any other user only inside a user namespace of its own, which most Linux systems allow and unprivileged
/// containers (and some hardened systems) refuse. <see cref="Refused"/> then says why neither worked.
/// </summary>
internal sealed record PidNamespace(string[] Command, string? Refused)
{
    private static readonly string[][] Commands =
    [
        ["unshare", "--pid", "--fork", "--mount-proc"],
        ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"],
    ];

    /// <summary>The first of the commands that this machine lets this user run.</summary>
    public static PidNamespace Unshare()
    {
        var refusals = new List<string>();
        foreach (var command in Commands)
        {
            if (Refusal(command) is not { } refusal)
            {
                return new PidNamespace(command, null);
            }

            refusals.Add($"`{string.Join(' ', command)}`: {refusal}");
        }

        return new PidNamespace([], "this machine lets this user make no PID namespace, so a container's PID 1 cannot be imitated: "
            + string.Join("; ", refusals));
    }

    private static string? Refusal(string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1).Append("true"))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : error.Length > 0 ? error : $"exit code {process.ExitCode}";
        }
        catch (Win32Exception exception)
        {
            return exception.Message; // no unshare on PATH
        }
    }
}
