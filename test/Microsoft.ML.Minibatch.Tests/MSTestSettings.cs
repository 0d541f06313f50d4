// Test classes run in parallel on both cores; methods inside one class run in order because
// several classes share a fixture (the MNIST cache, a loopback server) per class.
[assembly: Parallelize(Workers = 0, Scope = ExecutionScope.ClassLevel)]
