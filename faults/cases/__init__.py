"""One module per fault; each has NAME and run(stack: Stack) -> Result, and leaves the stack healthy."""
