// The Android library module an app includes (settings.gradle.kts: include(":otpvault") with
// project(":otpvault").projectDir = file("…/bindings/android")). Its contents are produced by
// scripts/build-android: src/main/jniLibs/<abi>/libotpvault_ffi.so (cargo ndk) and
// src/main/kotlin/dev/otpvault/otpvault.kt (uniffi). Not built here: this machine has no Android
// SDK or NDK; the JVM Maven build in ../kotlin runs the same generated Kotlin in the tests.
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.2.21"
}

android {
    namespace = "dev.otpvault"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    // JNA as an Android archive: it carries libjnidispatch.so for every ABI.
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    // The KDF-bound calls are suspend functions.
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}
