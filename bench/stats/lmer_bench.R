# R side of bench/stats: lme4::lmer and multcomp::glht on the same table, same model.
# Usage: Rscript lmer_bench.R TABLE.csv REPEATS
suppressMessages({library(lme4); library(multcomp)})
a <- commandArgs(trailingOnly = TRUE)
path <- a[1]; repeats <- as.integer(a[2])
ms <- function(expr) { t0 <- proc.time()[["elapsed"]]; force(expr); 1000 * (proc.time()[["elapsed"]] - t0) }
fitit <- function(d) lmer(R2_score_test ~ Compression_method + (1|Dataset) + (1|Fold), data = d, REML = TRUE)
prep <- function() { d <- read.csv(path); d$Compression_method <- relevel(factor(d$Compression_method), ref = "mean"); d }
glhtit <- function(m) {
  lev <- levels(m@frame$Compression_method)[-1]
  K <- matrix(0, length(lev), length(fixef(m))); for (i in seq_along(lev)) K[i, i + 1] <- 1; rownames(K) <- lev
  set.seed(1); g <- glht(m, linfct = K); list(summary(g), confint(g))
}
d <- NULL; m <- NULL
cold_read <- ms(d <- prep()); cold_fit <- ms(m <- suppressMessages(fitit(d))); cold_glht <- ms(g <- glhtit(m))
r <- f <- h <- numeric(repeats)
for (i in seq_len(repeats)) {
  r[i] <- ms(d <- prep()); f[i] <- ms(m <- suppressMessages(fitit(d))); h[i] <- ms(g <- glhtit(m))
}
tr <- min(repeats, 3)
tukeyit <- function(m) { set.seed(1); g <- glht(m, linfct = mcp(Compression_method = "Tukey")); list(summary(g), confint(g)) }
cold_tukey <- ms(gt <- tukeyit(m))
tk <- numeric(tr); for (i in seq_len(tr)) tk[i] <- ms(gt <- tukeyit(m))
cat(sprintf("lme4,read_csv,%.2f,%.2f,%d\n", cold_read, median(r), repeats))
cat(sprintf("lme4,fit,%.2f,%.2f,%d\n", cold_fit, median(f), repeats))
cat(sprintf("lme4,glht_dunnett,%.2f,%.2f,%d\n", cold_glht, median(h), repeats))
cat(sprintf("lme4,glht_tukey,%.2f,%.2f,%d\n", cold_tukey, median(tk), tr))
message(sprintf("REML=%.6f bos=%.10f se=%.10f calpha=%.6f tukey_calpha=%.6f R %s lme4 %s multcomp %s", REMLcrit(m), fixef(m)[2], sqrt(diag(vcov(m)))[2], attr(g[[2]]$confint, "calpha"), attr(gt[[2]]$confint, "calpha"),
                getRversion(), packageVersion("lme4"), packageVersion("multcomp")))
