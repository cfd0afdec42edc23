// Package layers holds no code: its test keeps the module's layering, which
// the Go toolchain alone does not (internal/ stops other modules, not our own
// packages, from importing upwards).
package layers
