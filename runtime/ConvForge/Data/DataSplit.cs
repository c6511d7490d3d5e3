using System;
using System.Collections.Generic;

namespace ConvForge.Data;

/// <summary>Splits a data set into disjoint parts (a training set and a validation set held out from it).</summary>
public static class DataSplit
{
    /// <summary>
    /// Holds out <paramref name="validationFraction"/> of <paramref name="dataSet"/> (rounded to the nearest
    /// image) for validation; see <see cref="TrainValidation(IImageDataSet, int, int)"/>.
    /// </summary>
    public static (SubsetDataSet Train, SubsetDataSet Validation) TrainValidation(IImageDataSet dataSet, double validationFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        if (!(validationFraction >= 0 && validationFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"The validation fraction must be in [0, 1]; got {validationFraction}.");
        return TrainValidation(dataSet, (int)Math.Round(dataSet.Count * validationFraction, MidpointRounding.AwayFromZero), seed);
    }

    /// <summary>
    /// Holds out <paramref name="validationCount"/> images of <paramref name="dataSet"/> for validation and
    /// keeps the rest for training. Stratified: each class gives its share of the validation set (its count
    /// times validationCount / Count, rounded so that the shares add up, largest remainders first), so both
    /// parts keep the class balance. Which images of a class are held out is drawn from <paramref name="seed"/>
    /// alone: the same seed gives the same split on every run and machine. Both parts list their images in
    /// the source's order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is negative or more than the data set has.</exception>
    public static (SubsetDataSet Train, SubsetDataSet Validation) TrainValidation(IImageDataSet dataSet, int validationCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        var count = dataSet.Count;
        if (validationCount < 0 || validationCount > count)
            throw new ArgumentOutOfRangeException(nameof(validationCount), $"Cannot hold out {validationCount} of {count} images for validation.");

        var classCount = dataSet.ClassCount;
        var byClass = new List<int>[classCount];
        for (var c = 0; c < classCount; c++)
            byClass[c] = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var label = dataSet.GetLabel(i);
            if ((uint)label >= (uint)classCount)
                throw new ArgumentException($"Image {i} has the label {label}, outside the data set's {classCount} classes.", nameof(dataSet));
            byClass[label].Add(i);
        }

        // Largest-remainder apportionment of validationCount over the classes.
        var quota = new int[classCount];
        var remainders = new (double Remainder, int Class)[classCount];
        var assigned = 0;
        for (var c = 0; c < classCount; c++)
        {
            var exact = count == 0 ? 0 : (double)byClass[c].Count * validationCount / count;
            quota[c] = (int)Math.Floor(exact);
            assigned += quota[c];
            remainders[c] = (exact - quota[c], c);
        }
        Array.Sort(remainders, (a, b) => a.Remainder != b.Remainder ? b.Remainder.CompareTo(a.Remainder) : a.Class.CompareTo(b.Class));
        for (var k = 0; assigned < validationCount; k = (k + 1) % classCount)
        {
            var c = remainders[k].Class;
            if (quota[c] < byClass[c].Count) // only rounding error could fill a class; then the next one takes it
            {
                quota[c]++;
                assigned++;
            }
        }

        var held = new bool[count];
        for (var c = 0; c < classCount; c++)
        {
            var members = byClass[c].ToArray();
            var random = SeededRandom.For(seed, c);
            // A partial Fisher-Yates shuffle: the first quota[c] places get a uniform random subset.
            for (var k = 0; k < quota[c]; k++)
            {
                var pick = k + random.Next(members.Length - k);
                (members[k], members[pick]) = (members[pick], members[k]);
                held[members[k]] = true;
            }
        }

        var train = new List<int>(count - validationCount);
        var validation = new List<int>(validationCount);
        for (var i = 0; i < count; i++)
            (held[i] ? validation : train).Add(i);
        return (new SubsetDataSet(dataSet, train), new SubsetDataSet(dataSet, validation));
    }
}
