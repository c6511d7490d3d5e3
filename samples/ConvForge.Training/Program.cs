using ConvForge.Samples.Training;

return Cli.Run(args, Spectre.Console.AnsiConsole.Console);
