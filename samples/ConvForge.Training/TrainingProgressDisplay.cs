using System;
using System.Globalization;
using ConvForge.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ConvForge.Samples.Training;

/// <summary>
/// A Keras-like console display of <see cref="TrainingLoop.Fit"/>: one bar per epoch with the running loss,
/// accuracy, images/s and the estimated time left; a finished epoch's row keeps its numbers and adds the
/// validation accuracy.
/// </summary>
/// <example>
/// <code>
/// TrainingProgressDisplay.Create(console).Start(context =>
///     trainer.Fit(train, validation, new FitOptions { Epochs = 10, Progress = new TrainingProgressDisplay(context) }));
/// </code>
/// </example>
internal sealed class TrainingProgressDisplay : IProgress<TrainingProgress>
{
    private readonly ProgressContext context;
    private ProgressTask? task;
    private int taskEpoch = -1;

    public TrainingProgressDisplay(ProgressContext context) => this.context = context;

    /// <summary>A Spectre progress display with the training columns; run Fit inside its Start.</summary>
    public static Progress Create(IAnsiConsole console) => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn { Width = 20 },
            new MetricColumn(p => Metric("loss", p.Loss.ToString("0.0000", CultureInfo.InvariantCulture)), width: 12),
            new MetricColumn(p => Metric("acc", p.Accuracy.ToString("0.00%", CultureInfo.InvariantCulture)), width: 12),
            new MetricColumn(p => Metric("img/s", p.ImagesPerSecond.ToString("0", CultureInfo.InvariantCulture)), width: 13),
            new MetricColumn(p => p.Completed is { } done
                ? Metric("took", FormatTime(TimeSpan.FromSeconds(done.Seconds)))
                : Metric("left", p.Remaining is { } left ? FormatTime(left) : "?"), width: 13));

    /// <inheritdoc/>
    public void Report(TrainingProgress value)
    {
        if (task is null || value.Epoch != taskEpoch)
        {
            task = context.AddTask(EpochName(value), maxValue: Math.Max(value.BatchesPerEpoch, 1));
            taskEpoch = value.Epoch;
        }
        switch (value.Phase)
        {
            case TrainingPhase.Training:
                task.Tag = value;
                task.Value = value.Batch;
                break;
            case TrainingPhase.Validating:
                task.Description = $"{EpochName(value)} validating {value.Batch}/{value.BatchesPerEpoch}";
                break;
            case TrainingPhase.EpochCompleted:
                task.Tag = value;
                task.Value = task.MaxValue;
                task.Description = value.Completed?.ValidationAccuracy is { } accuracy
                    ? $"{EpochName(value)} [green]val {accuracy.ToString("0.00%", CultureInfo.InvariantCulture)}[/]"
                    : EpochName(value);
                task.StopTask();
                break;
        }
    }

    public static string FormatTime(TimeSpan time) => time.TotalHours >= 1
        ? $"{(int)time.TotalHours}:{time.Minutes:00}:{time.Seconds:00}"
        : $"{time.Minutes}:{time.Seconds:00}";

    private static string EpochName(TrainingProgress value) => $"Epoch {value.Epoch + 1}/{value.Epochs}";

    // A no-break space keeps label and value on one line when the terminal is narrow.
    private static string Metric(string label, string value) => $"[grey]{label}[/]\u00A0{Markup.Escape(value)}";

    // A column showing one number of the task's last training report (kept in its Tag), on one line.
    private sealed class MetricColumn(Func<TrainingProgress, string> markup, int width) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.Tag is TrainingProgress progress ? new Markup(markup(progress)).Overflow(Overflow.Ellipsis) : new Text("");

        public override int? GetColumnWidth(RenderOptions options) => width;
    }
}
