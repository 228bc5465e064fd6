// Placeholder replaced by the emulator implementation.
