using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Tests.AnyData;

/// <summary>Data sets the tests build themselves: IDX sets that are not MNIST, and CSV files.</summary>
internal static class AnyDataSets
{
    /// <summary>Writes an IDX image file (raw).</summary>
    public static void WriteImages(string path, byte[] pixels, int count, int rows, int columns)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.ImageFileMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        pixels.CopyTo(bytes, 16);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Writes an IDX label file (raw).</summary>
    public static void WriteLabels(string path, byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.LabelFileMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// A learnable IDX set with <paramref name="classes"/> classes of <paramref name="side"/>×<paramref name="side"/>
    /// images under MNIST's four names: each class has a random prototype (a quarter of its pixels inked); a sample is
    /// its prototype shifted by up to one pixel each way, with 15 % of the pixels flipped and the ink's brightness varied.
    /// </summary>
    public static void WriteSyntheticIdx(string directory, int side, int classes, int trainCount, int testCount, int seed)
    {
        var random = new Random(seed);
        var prototypes = new bool[classes][];
        for (int k = 0; k < classes; k++) prototypes[k] = Enumerable.Range(0, side * side).Select(_ => random.NextDouble() < 0.25).ToArray();
        void Write(string images, string labels, int count)
        {
            var pixels = new byte[count * side * side];
            var y = new byte[count];
            for (int n = 0; n < count; n++)
            {
                int k = n % classes;
                y[n] = (byte)k;
                int dx = random.Next(-1, 2), dy = random.Next(-1, 2);
                for (int r = 0; r < side; r++)
                {
                    for (int c = 0; c < side; c++)
                    {
                        int sr = r - dy, sc = c - dx;
                        bool ink = sr >= 0 && sr < side && sc >= 0 && sc < side && prototypes[k][sr * side + sc];
                        if (random.NextDouble() < 0.15) ink = !ink;
                        pixels[n * side * side + r * side + c] = ink ? (byte)random.Next(150, 256) : (byte)random.Next(0, 40);
                    }
                }
            }
            WriteImages(Path.Combine(directory, images), pixels, count, side, side);
            WriteLabels(Path.Combine(directory, labels), y);
        }
        Directory.CreateDirectory(directory);
        Write(Mnist.TrainImagesFileName, Mnist.TrainLabelsFileName, trainCount);
        Write(Mnist.TestImagesFileName, Mnist.TestLabelsFileName, testCount);
    }

    /// <summary>The first <paramref name="trainCount"/> and <paramref name="testCount"/> MNIST images, as a directory of their own.</summary>
    public static void WriteMnistSubset(string directory, int trainCount, int testCount)
    {
        var files = Mnist.EnsureFiles();
        Directory.CreateDirectory(directory);
        void Write(string images, string labels, string name, string labelName, int count)
        {
            var data = IdxReader.ReadImages(images);
            WriteImages(Path.Combine(directory, name), data.Pixels.AsSpan(0, count * data.PixelsPerImage).ToArray(), count, data.Rows, data.Columns);
            WriteLabels(Path.Combine(directory, labelName), IdxReader.ReadLabels(labels).AsSpan(0, count).ToArray());
        }
        Write(files.TrainImages, files.TrainLabels, Mnist.TrainImagesFileName, Mnist.TrainLabelsFileName, trainCount);
        Write(files.TestImages, files.TestLabels, Mnist.TestImagesFileName, Mnist.TestLabelsFileName, testCount);
    }

    /// <summary>
    /// A 64-pixel, ten-class CSV file: MNIST digits cropped to the middle 24×24 and averaged over 3×3 blocks into 8×8
    /// values 0 … 16 (the layout of the UCI optical digits), header p0 … p63,digit.
    /// </summary>
    public static void WriteDigits8x8Csv(string path, MnistSplit split, int start, int count, bool header = true, char separator = ',')
    {
        LabeledImages images = Mnist.Load(split);
        var text = new StringBuilder();
        if (header) text.AppendLine(string.Join(separator, Enumerable.Range(0, 64).Select(i => $"p{i}").Append("digit")));
        for (int n = start; n < start + count; n++)
        {
            var f = images.GetFeatures(n);
            var cells = new List<string>();
            for (int br = 0; br < 8; br++)
            {
                for (int bc = 0; bc < 8; bc++)
                {
                    float sum = 0;
                    for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) sum += f[(2 + 3 * br + r) * 28 + 2 + 3 * bc + c];
                    cells.Add(MathF.Round(sum / 9 * 16).ToString(CultureInfo.InvariantCulture));
                }
            }
            cells.Add(images.Labels[n].ToString(CultureInfo.InvariantCulture));
            text.AppendLine(string.Join(separator, cells));
        }
        File.WriteAllText(path, text.ToString());
    }
}
