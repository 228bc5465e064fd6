print("curate-emulator")
