// AMX's tile state (internal to CKernels).
#ifndef CK_AMX_STATE_H
#define CK_AMX_STATE_H

/// Asks Linux for AMX's tile data state (`arch_prctl`, once per process; later calls return the
/// first answer): 1 when granted, 0 when refused or elsewhere than Linux on x86-64. Until it is
/// granted, an AMX instruction faults.
int ck_amx_enable(void);

#endif
